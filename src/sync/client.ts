import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { InternalError, PermissionError, RemoteDataError, RemoteUnavailableError } from '../errors.js';
import type { TransferProgress } from './progress.js';

export type Record_ = Record<string, unknown> & { url: string };

/** What became of one file upload. */
export type UploadOutcome = { kind: 'uploaded' } | { kind: 'present' } | { kind: 'refused'; reason: string };

interface Page {
  count: number;
  next: string | null;
  results: Record_[];
}

/** The integer id at the end of a registry URL. */
export function idOf(url: string): number {
  const m = /\/(\d+)\/?$/.exec(url);
  if (!m) throw new InternalError(`${url} is not a registry record URL`);
  return Number(m[1]);
}

/**
 * A client of the FAIR data-registry REST API (undici, keep-alive). Errors
 * become typed fairfs errors: unreachable → 69, refused token → 77.
 */
export class RegistryClient {
  readonly apiUrl: string;
  readonly base: string;
  private readonly token: string | null;
  private readonly dispatcher: Dispatcher;

  private readonly origin: string;

  constructor(apiUrl: string, token: string | null, opts: { idleTimeoutMs?: number } = {}) {
    this.apiUrl = apiUrl;
    this.base = apiUrl.replace(/\/api\/$/, '');
    this.origin = new URL(apiUrl).origin;
    this.token = token;
    const idle = opts.idleTimeoutMs ?? 60_000;
    // No byte for `idle` ms, in headers or body, ends the request: a stalled remote cannot hang a pull.
    this.dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 8, headersTimeout: idle, bodyTimeout: idle });
  }

  /** The token goes to the registry it belongs to (scheme, host and port of the API URL), and nowhere else. */
  private tokenFor(url: string): Record<string, string> {
    return this.token && new URL(url).origin === this.origin ? { authorization: `token ${this.token}` } : {};
  }

  /** A record URL the remote handed us must lie under its own API: anything else is refused, not fetched. */
  private checkApiUrl(url: string): void {
    let inside = false;
    try {
      // The API URL carries the origin: a URL under it is on the registry's own scheme, host and port.
      inside = new URL(url).href.startsWith(this.apiUrl);
    } catch {
      inside = false;
    }
    if (!inside) {
      throw new RemoteDataError(`the registry at ${this.apiUrl} pointed to ${url.slice(0, 200)}, outside its own API`, {
        hint: 'nothing was fetched from there; the remote holds a bad relation URL: tell its maintainers',
      });
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private headers(write: boolean, url: string): Record<string, string> {
    if (write && !this.token) throw new PermissionError(`writing to ${this.apiUrl} needs an API token`, { hint: 'set FAIRFS_TOKEN, or token_file for the remote in settings.yaml' });
    return { accept: 'application/json; version=1.0.0', ...this.tokenFor(url) };
  }

  private async call(method: Dispatcher.HttpMethod, url: string, body?: unknown, opts: { tolerate?: number[] } = {}): Promise<{ status: number; json: unknown }> {
    this.checkApiUrl(url);
    const headers = { ...this.headers(method !== 'GET', url), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        dispatcher: this.dispatcher,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new RemoteUnavailableError(`cannot reach the registry at ${this.apiUrl}: ${(err as Error).message}`, {
        hint: 'check the URL and that the registry is running (`fairfs registry serve`)',
        cause: err,
      });
    }
    const text = await res.body.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { detail: text.slice(0, 200) };
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new PermissionError(`${this.apiUrl} refused ${method} ${url}: ${describe(json)}`, { hint: 'check the API token (FAIRFS_TOKEN or the remote token_file)' });
    }
    if (res.statusCode >= 500 && !opts.tolerate?.includes(res.statusCode)) throw new RemoteUnavailableError(`${method} ${url} failed with ${res.statusCode}: ${describe(json)}`);
    return { status: res.statusCode, json };
  }

  private endpointUrl(endpoint: string): string {
    return `${this.apiUrl}${endpoint}/`;
  }

  async get(url: string): Promise<Record_> {
    const r = await this.call('GET', url);
    if (r.status !== 200) throw new RemoteUnavailableError(`GET ${url} answered ${r.status}: ${describe(r.json)}`);
    return r.json as Record_;
  }

  /** Every record matching the filters, following `next` across pages. */
  async list(endpoint: string, filters: Record<string, string | number | boolean> = {}): Promise<Record_[]> {
    const q = new URLSearchParams(Object.entries(filters).map(([k, v]) => [k, String(v)]));
    let url: string | null = `${this.endpointUrl(endpoint)}${q.size ? `?${q}` : ''}`;
    const out: Record_[] = [];
    while (url) {
      const r = await this.call('GET', url);
      if (r.status !== 200) throw new RemoteUnavailableError(`GET ${url} answered ${r.status}: ${describe(r.json)}`);
      const page = r.json as Page;
      out.push(...page.results);
      url = page.next;
    }
    return out;
  }

  /**
   * POST, and on 409 GET the existing record by its unique key: the data
   * registry's post-else-get, which makes every push step idempotent.
   */
  async postElseGet(endpoint: string, body: Record<string, unknown>, key: Record<string, string | number | boolean>): Promise<{ record: Record_; created: boolean }> {
    const r = await this.call('POST', this.endpointUrl(endpoint), body);
    if (r.status === 201) return { record: r.json as Record_, created: true };
    if (r.status !== 409) throw new RemoteUnavailableError(`POST ${endpoint}/ answered ${r.status}: ${describe(r.json)}`);
    const found = await this.list(endpoint, key);
    if (found.length !== 1) throw new InternalError(`POST ${endpoint}/ clashed but ${found.length} records match ${JSON.stringify(key)}`);
    return { record: found[0]!, created: false };
  }

  async patch(url: string, body: Record<string, unknown>): Promise<Record_> {
    const r = await this.call('PATCH', url, body);
    if (r.status !== 200) throw new RemoteUnavailableError(`PATCH ${url} answered ${r.status}: ${describe(r.json)}`);
    return r.json as Record_;
  }

  /**
   * Upload a file by hash, as the production registry takes files:
   * `POST /api/data/<sha1>` hands out a URL (200, or 201 from older servers;
   * 409: already stored), then the bytes are PUT there, without the registry
   * token when the URL is on another origin (a presigned object-store URL).
   * A remote with no object storage (the upstream local registry answers 500)
   * is no failure of the push: the outcome says why the file stayed here.
   */
  async upload(sha1: string, file: string, progress?: TransferProgress): Promise<UploadOutcome> {
    const r = await this.call('POST', `${this.apiUrl}data/${sha1}`, undefined, { tolerate: [404, 405, 500, 501, 503] });
    if (r.status === 409) return { kind: 'present' };
    if (r.status !== 200 && r.status !== 201) {
      return { kind: 'refused', reason: `the registry takes no files: POST /api/data/<sha1> answered ${r.status}${r.status >= 500 ? ' (no object storage)' : ''}` };
    }
    const url = (r.json as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
      throw new RemoteDataError(`the registry at ${this.apiUrl} gave no upload URL for ${sha1}: ${describe(r.json)}`);
    }
    const size = statSync(file).size;
    // No Content-Type: a presigned URL signs it (as empty), and a header the signer did not see breaks the signature.
    const headers = { ...this.tokenFor(url), 'content-length': String(size) };
    const body = createReadStream(file, { highWaterMark: 1 << 20 });
    if (progress) {
      progress.start(`upload ${sha1.slice(0, 12)}`, size);
      body.on('data', (chunk) => progress.advance(chunk.length));
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'PUT', dispatcher: this.dispatcher, headers, body });
    } catch (err) {
      throw new RemoteUnavailableError(`upload of ${sha1} to ${new URL(url).origin} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      progress?.stop();
    }
    const text = await res.body.text();
    if (res.statusCode === 409) return { kind: 'present' };
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new RemoteUnavailableError(`upload of ${sha1} to ${new URL(url).origin} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    }
    return { kind: 'uploaded' };
  }

  /**
   * Stream a URL to `dest`, returning the SHA-1 of what arrived. Redirects
   * are followed (to an object store: without the token), free space is
   * checked before and while writing, and a partial file never stays behind.
   */
  async download(url: string, dest: string, progress?: TransferProgress, label = 'download'): Promise<string> {
    const hash = await this.downloadIfThere(url, dest, progress, label);
    if (hash === null) throw new RemoteUnavailableError(`download of ${url} answered 404`);
    return hash;
  }

  /** As `download`, but null when the remote answers 404 (the file is not where this URL says). */
  async downloadIfThere(url: string, dest: string, progress?: TransferProgress, label = 'download'): Promise<string | null> {
    const hash = createHash('sha1');
    let res: Dispatcher.ResponseData;
    let at = url;
    for (let hop = 0; ; hop++) {
      try {
        res = await request(at, { method: 'GET', dispatcher: this.dispatcher, headers: this.tokenFor(at) });
      } catch (err) {
        throw new RemoteUnavailableError(`download of ${at} failed: ${(err as Error).message}`, { cause: err });
      }
      const location = res.headers.location;
      if (res.statusCode < 300 || res.statusCode >= 400 || typeof location !== 'string') break;
      await res.body.dump();
      if (hop === 5) throw new RemoteUnavailableError(`download of ${url}: more than 5 redirects`);
      const next = new URL(location, at);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new RemoteDataError(`download of ${url} redirected to a ${next.protocol} URL`);
      at = next.href;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      if (res.statusCode === 404) return null;
      throw new RemoteUnavailableError(`download of ${at} answered ${res.statusCode}`);
    }
    const declared = Number(res.headers['content-length'] ?? 0);
    const folder = dirname(dest);
    try {
      ensureSpace(folder, declared, at);
      progress?.start(label, declared);
      let sinceCheck = 0;
      // A 'data' listener beside the pipe hashes each chunk as it passes, with no extra stream stage.
      res.body.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        progress?.advance(chunk.length);
        sinceCheck += chunk.length;
        if (sinceCheck >= SPACE_CHECK_BYTES) {
          sinceCheck = 0;
          try {
            ensureSpace(folder, 0, at);
          } catch (err) {
            res.body.destroy(err as Error);
          }
        }
      });
      await pipeline(res.body, createWriteStream(dest, { highWaterMark: 4 << 20 }));
    } catch (err) {
      rmSync(dest, { force: true });
      if (err instanceof RemoteUnavailableError) throw err;
      throw new RemoteUnavailableError(`download of ${at} broke off: ${(err as Error).message}`, { cause: err });
    } finally {
      progress?.stop();
    }
    return hash.digest('hex');
  }
}

/** Free space is re-checked every this many bytes of a download. */
const SPACE_CHECK_BYTES = 64 << 20;
/** What a download must leave free on the disk. */
const SPACE_RESERVE_BYTES = 256 << 20;

function ensureSpace(folder: string, need: number, url: string): void {
  const s = statfsSync(folder);
  const free = s.bavail * s.bsize;
  if (free - need < SPACE_RESERVE_BYTES) {
    throw new RemoteUnavailableError(`not enough free space for ${url}: ${Math.floor(free / 2 ** 20)} MiB free under ${folder}`, {
      hint: 'free some space (or point FAIRFS_HOME at a larger disk) and pull again; nothing was registered',
    });
  }
}

function describe(json: unknown): string {
  if (json && typeof json === 'object' && 'detail' in json) return String((json as { detail: unknown }).detail);
  return JSON.stringify(json)?.slice(0, 300) ?? '';
}
