import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RESOURCE_BY_ENDPOINT, type Resource } from '../formats/fair-resources.js';
import type { Registry } from '../registry/registry.js';
import { Lineage } from '../registry/lineage.js';
import { RestTables } from '../registry/rest-tables.js';
import type { DataStore } from '../store/store.js';
import { apiRoot, create, getOne, list, modify, options, remove, type ApiContext } from './api.js';
import { FileService, sweepPartialUploads } from './files.js';
import { sendIndex, sendProductPage, sendRunPage } from './html.js';
import { sendProvReport, sendRoCrate } from './provenance.js';
import { detail, drain, HostPolicy, HttpError, readBody, readJson, sendJson } from './http.js';

export interface ServerOptions {
  registry: Registry;
  store: DataStore;
  /** Rows per list page (the data registry's cursor pagination). */
  pageSize?: number;
  /** Largest JSON body accepted. */
  maxBody?: number;
  /** The URL clients reach the server by, when that is not the address it listens on (a proxy). */
  publicUrl?: string;
  log?: (line: string) => void;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * `fairfs registry serve`: the FAIR data-registry REST API over a local
 * registry and data store, on node:http. Only the `token` scheme is accepted
 * and a missing or bad token on a write is 403, as in the Django registry.
 */
export function createRegistryServer(opts: ServerOptions): Server {
  const tables = new RestTables(opts.registry.db);
  const lineage = new Lineage(opts.registry.db);
  const files = new FileService(opts.registry, opts.store);
  const swept = sweepPartialUploads(opts.store);
  if (swept) opts.log?.(`fairfs registry: removed ${swept} partial upload(s) left by killed transfers`);
  const pageSize = opts.pageSize ?? 100;
  const maxBody = opts.maxBody ?? 1 << 20;
  const hosts = new HostPolicy(() => {
    const a = server.address();
    return a && typeof a === 'object' ? { address: a.address, port: a.port } : null;
  }, opts.publicUrl ? new URL(opts.publicUrl) : null);

  function authenticate(req: IncomingMessage): { id: number; username: string } | null {
    const header = req.headers.authorization;
    if (!header) return null;
    const m = /^token\s+(\S+)$/i.exec(header);
    if (!m) throw detail(403, 'Invalid token header. Use `Authorization: token <token>`.');
    const user = opts.registry.userForToken(hashToken(m[1]!));
    if (!user) throw detail(403, 'Invalid token.');
    return user;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean);
    const slash = url.pathname.endsWith('/');
    const base = hosts.baseFor(req);
    const writes = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
    const user = authenticate(req);
    if (writes && !user) throw detail(403, 'Authentication credentials were not provided.');
    const ctx: ApiContext = { tables, base, pageSize, userId: user?.id ?? null };

    if (parts[0] === 'data') {
      if (parts[1] === 'upload' && parts.length === 3 && method === 'PUT') {
        await files.receive(req, parts[2]!);
        return sendJson(res, 201, { detail: 'stored' });
      }
      if (parts.length === 2 && (method === 'GET' || method === 'HEAD')) return files.send(res, parts[1]!);
      throw detail(404, 'Not found.');
    }
    if (parts[0] === 'data_product' && parts.length >= 2 && (method === 'GET' || method === 'HEAD')) {
      // The registry's file link: /data_product/<namespace>:<name>@<version>, the name may hold slashes.
      const m = /^([^:/]+):(.+)@([^@/]+)$/.exec(decodedPath(parts.slice(1)));
      const product = m ? opts.registry.findProduct(m[1]!, m[2]!, m[3]!) : undefined;
      if (!product?.hash) throw detail(404, 'Not found.');
      return files.send(res, product.hash);
    }
    if ((method === 'GET' || method === 'HEAD') && parts.length === 0) return sendIndex(res, lineage);
    if ((method === 'GET' || method === 'HEAD') && parts[0] === 'view' && parts.length === 3) {
      if (parts[1] === 'run') return sendRunPage(res, lineage, decodedPath([parts[2]!]));
      if (parts[1] === 'product' && /^\d+$/.test(parts[2]!)) return sendProductPage(res, lineage, Number(parts[2]));
    }
    if (parts[0] !== 'api') throw detail(404, 'Not found.');
    checkAcceptVersion(req);
    if (parts.length === 1) {
      if (method !== 'GET') throw detail(405, `Method "${method}" not allowed.`);
      return sendJson(res, 200, apiRoot(ctx));
    }
    if (parts[1] === 'data' && parts.length === 3 && method === 'POST') {
      // 200 with the URL to PUT to, as the production registry answers.
      return sendJson(res, 200, files.requestUpload(base, parts[2]!));
    }
    if (parts[1] === 'username' && parts.length === 2 && method === 'GET') {
      if (!user) throw detail(403, 'Authentication credentials were not provided.');
      return sendJson(res, 200, { username: user.username });
    }
    if (parts[1] === 'prov-report' && parts.length === 3 && /^\d+$/.test(parts[2]!) && (method === 'GET' || method === 'HEAD')) {
      if (!slash) return redirectToSlash(res, base, url);
      return sendProvReport(req, res, lineage, Number(parts[2]), url.searchParams, base);
    }
    if (parts[1] === 'ro-crate' && parts.length === 4 && /^\d+$/.test(parts[3]!) && method === 'GET') {
      if (!slash) return redirectToSlash(res, base, url);
      return sendRoCrate(res, lineage, opts.store, parts[2]!, Number(parts[3]));
    }
    if (parts[1] === 'groups' && parts.length === 2 && method === 'GET') {
      // The registry's Django groups: fairfs has none.
      return sendJson(res, 200, { count: 0, next: null, previous: null, results: [] });
    }
    const resource = RESOURCE_BY_ENDPOINT.get(parts[1]!);
    if (!resource) throw detail(404, 'Not found.');
    // The registry lists its users to signed-in clients only.
    if (resource.endpoint === 'users' && !user) throw detail(403, 'Authentication credentials were not provided.');
    if (parts.length === 2) {
      if (!slash) {
        // Django's APPEND_SLASH: GETs are redirected, anything else fails.
        if (method === 'GET') return redirectToSlash(res, base, url);
        throw detail(404, 'the FAIR registry API needs the trailing slash: POST to /api/<endpoint>/');
      }
      const allow = { Allow: allowed(resource, false) };
      switch (method) {
        case 'GET':
          return sendJson(res, 200, list(ctx, resource, url.searchParams), allow);
        case 'POST': {
          const made = create(ctx, resource, await readBodyValues(req, maxBody));
          return sendJson(res, 201, made, { ...allow, Location: String(made.url) });
        }
        case 'OPTIONS':
          return sendJson(res, 200, options(resource, user !== null), allow);
        default:
          throw detail(405, `Method "${method}" not allowed.`);
      }
    }
    if (parts.length === 3 && /^\d+$/.test(parts[2]!)) {
      if (!slash && method === 'GET') return redirectToSlash(res, base, url);
      const id = Number(parts[2]);
      if ([...url.searchParams.keys()].length) throw detail(400, 'detail endpoints take no query parameters');
      const allow = { Allow: allowed(resource, true) };
      switch (method) {
        case 'GET':
          return sendJson(res, 200, getOne(ctx, resource, id), allow);
        case 'PATCH':
        case 'PUT':
          return sendJson(res, 200, modify(ctx, resource, id, await readBodyValues(req, maxBody), method), allow);
        case 'DELETE':
          remove(ctx, resource, id);
          res.writeHead(204);
          return void res.end();
        default:
          throw detail(405, `Method "${method}" not allowed.`);
      }
    }
    throw detail(404, 'Not found.');
  }

  const server = createServer((req, res) => {
    route(req, res).catch(async (err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      let status: number;
      let body: unknown;
      if (err instanceof HttpError) ({ status, body } = err);
      else {
        // The log has the stack; the client gets no trace and no path of this host.
        opts.log?.(`fairfs registry: internal error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
        ({ status, body } = asClientError(err));
      }
      // Refused before its body was read: read it away first, or a client still sending never sees the answer.
      const drained = await drain(req);
      sendJson(res, status, body, drained ? {} : { Connection: 'close' });
    });
  });
  return server;
}

/** Django's APPEND_SLASH: a GET without the trailing slash is sent to the URL with it. */
function redirectToSlash(res: ServerResponse, base: string, url: URL): void {
  res.writeHead(301, { Location: `${base}${url.pathname}/${url.search}` });
  res.end();
}

/** URL path segments decoded and joined; a malformed percent-escape is no path (404), not an error. */
function decodedPath(segments: string[]): string {
  try {
    return segments.map(decodeURIComponent).join('/');
  } catch {
    return '';
  }
}

/** The methods an endpoint takes, for the Allow header (as DRF lists them). */
function allowed(resource: Resource, detailView: boolean): string {
  const methods = detailView
    ? ['GET', ...(resource.patch ? ['PUT', 'PATCH'] : []), ...(resource.delete ? ['DELETE'] : [])]
    : ['GET', ...(resource.post ? ['POST'] : [])];
  return [...methods, 'HEAD', 'OPTIONS'].join(', ');
}

/** API versions the registry speaks; another in `Accept: …; version=` is a 406, as DRF's versioning answers. */
const API_VERSIONS = ['1.0.0'];

function checkAcceptVersion(req: IncomingMessage): void {
  const version = /;\s*version\s*=\s*([^;,\s]+)/i.exec(req.headers.accept ?? '')?.[1];
  if (version !== undefined && !API_VERSIONS.includes(version)) throw detail(406, 'Invalid version in "Accept" header.');
}

/**
 * A POST/PATCH body as DRF parses it: JSON or a form (fields as strings,
 * repeated fields as lists); any other media type is a 415.
 */
async function readBodyValues(req: IncomingMessage, maxBody: number): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return readJson(req, maxBody);
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams((await readBody(req, maxBody)).toString('utf8'));
    const out: Record<string, unknown> = {};
    for (const key of new Set(form.keys())) {
      const values = form.getAll(key);
      out[key] = values.length > 1 ? values : values[0];
    }
    return out;
  }
  throw detail(415, `Unsupported media type "${req.headers['content-type']}" in request.`);
}

/**
 * The last line of defence for "no request gets a 5xx": constraint errors
 * that validation missed are the client's data (400/409); anything else is
 * logged and answered without detail.
 */
function asClientError(err: unknown): { status: number; body: unknown } {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) {
    const column = /failed: \w+\.(\w+)/.exec((err as Error).message)?.[1];
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return { status: 409, body: { detail: 'a record with these values already exists.' } };
    return { status: 400, body: column ? { [column]: ['This value is not allowed here.'] } : { detail: 'the request breaks a constraint of the registry' } };
  }
  return { status: 500, body: { detail: 'internal server error' } };
}
