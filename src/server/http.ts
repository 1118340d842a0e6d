import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/** A response the router can throw: status + JSON body (`{"detail": …}` like DRF). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' && body && 'detail' in body ? String((body as { detail: unknown }).detail) : `HTTP ${status}`);
  }
}

export const detail = (status: number, message: string): HttpError => new HttpError(status, { detail: message });

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Read a whole request body, keeping at most `limit` bytes (413 past it). The
 * body is always read to its end, never cut off: a client still writing when
 * we refuse it must live to read the refusal.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', () => (size > limit ? reject(detail(413, `request body over ${limit} bytes`)) : resolve(Buffer.concat(chunks))));
    req.once('error', reject);
  });
}

/** Read a JSON request body, refusing bodies above `limit` bytes (413) and bad JSON (400). */
export async function readJson(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw detail(413, `request body over ${limit} bytes`);
  const text = (await readBody(req, limit)).toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw detail(400, `JSON parse error - ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw detail(400, 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Most a refused request's body is read and thrown away before the connection is closed instead. */
const DRAIN_BYTES = 64 << 20;
const DRAIN_MS = 30_000;

/**
 * Discard what is left of a request body, so the answer reaches a client that
 * is still sending (a 403/405/413 before the body was read). Resolves false
 * when the body was too large or too slow to wait for: the caller then closes.
 */
export function drain(req: IncomingMessage): Promise<boolean> {
  if (req.complete || req.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let size = 0;
    const timer = setTimeout(() => finish(false), DRAIN_MS);
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      req.removeAllListeners('data');
      resolve(ok);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_BYTES) finish(false);
    });
    req.once('end', () => finish(true));
    req.once('error', () => finish(false));
    req.resume();
  });
}

/**
 * Which `Host` headers the server answers to (Django's ALLOWED_HOSTS): the
 * address it listens on (every interface's address when that is a wildcard,
 * `localhost` too on loopback) and the host of an explicit public URL. URLs in
 * answers are built from the Host only once it passed this check, so a forged
 * Host can never steer a client's upload elsewhere.
 */
export class HostPolicy {
  private allowed: Set<string> | null = null;

  constructor(
    private readonly listening: () => { address: string; port: number } | null,
    private readonly publicUrl: URL | null,
  ) {}

  /** The base URL (`http://host:port`, or the public URL) for a request; 400 for a Host we are not. */
  baseFor(req: IncomingMessage): string {
    const host = (req.headers.host ?? '').toLowerCase();
    if (this.publicUrl && host === this.publicUrl.host) return this.publicUrl.href.replace(/\/+$/, '');
    if (this.hosts().has(host)) return `http://${host}`;
    if (host === '' && this.publicUrl) return this.publicUrl.href.replace(/\/+$/, '');
    throw detail(400, `Invalid HTTP_HOST header: ${JSON.stringify(host.slice(0, 100))}. Use the address the registry listens on, or start it with --public-url.`);
  }

  private hosts(): Set<string> {
    if (this.allowed) return this.allowed;
    const at = this.listening();
    const set = new Set<string>();
    if (at) {
      const wildcard = at.address === '0.0.0.0' || at.address === '::';
      const addresses = wildcard ? Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)) : [at.address];
      const names = wildcard ? [hostname()] : [];
      if (addresses.some((a) => a === '127.0.0.1' || a === '::1' || a.startsWith('127.'))) names.push('localhost');
      for (const h of [...addresses.map((a) => (isIP(a) === 6 ? `[${a}]` : a)), ...names]) {
        set.add(`${h}:${at.port}`.toLowerCase());
        if (at.port === 80) set.add(h.toLowerCase());
      }
      this.allowed = set;
    }
    return set;
  }
}
