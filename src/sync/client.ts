import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { InternalError, PermissionError, RemoteUnavailableError } from '../errors.js';
import type { TransferProgress } from './progress.js';

export type Record_ = Record<string, unknown> & { url: string };

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

  constructor(apiUrl: string, token: string | null) {
    this.apiUrl = apiUrl;
    this.base = apiUrl.replace(/\/api\/$/, '');
    this.token = token;
    this.dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private headers(write: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json; version=1.0.0' };
    if (this.token) h.authorization = `token ${this.token}`;
    else if (write) throw new PermissionError(`writing to ${this.apiUrl} needs an API token`, { hint: 'set FAIRFS_TOKEN, or token_file for the remote in settings.yaml' });
    return h;
  }

  private async call(method: Dispatcher.HttpMethod, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const headers = { ...this.headers(method !== 'GET'), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
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
    if (res.statusCode >= 500) throw new RemoteUnavailableError(`${method} ${url} failed with ${res.statusCode}: ${describe(json)}`);
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

  /** Upload a file by hash; false when the remote already had it. */
  async upload(sha1: string, file: string, progress?: TransferProgress): Promise<boolean> {
    const r = await this.call('POST', `${this.apiUrl}data/${sha1}`);
    if (r.status === 409) return false;
    if (r.status !== 201) throw new RemoteUnavailableError(`upload of ${sha1} refused with ${r.status}: ${describe(r.json)}`);
    const { url } = r.json as { url: string };
    const size = statSync(file).size;
    const headers = { ...this.headers(true), 'content-type': 'application/octet-stream', 'content-length': String(size) };
    const body = createReadStream(file, { highWaterMark: 1 << 20 });
    if (progress) {
      progress.start(`upload ${sha1.slice(0, 12)}`, size);
      body.on('data', (chunk) => progress.advance(chunk.length));
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'PUT', dispatcher: this.dispatcher, headers, body });
    } catch (err) {
      throw new RemoteUnavailableError(`upload of ${sha1} to ${url} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      progress?.stop();
    }
    const text = await res.body.text();
    if (res.statusCode === 409) return false;
    if (res.statusCode !== 201) throw new RemoteUnavailableError(`upload of ${sha1} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    return true;
  }

  /** Stream a URL to `dest`, returning the SHA-1 of what arrived. */
  async download(url: string, dest: string, progress?: TransferProgress, label = 'download'): Promise<string> {
    const hash = createHash('sha1');
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'GET', dispatcher: this.dispatcher, headers: this.token ? { authorization: `token ${this.token}` } : {} });
    } catch (err) {
      throw new RemoteUnavailableError(`download of ${url} failed: ${(err as Error).message}`, { cause: err });
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new RemoteUnavailableError(`download of ${url} answered ${res.statusCode}`);
    }
    try {
      // A 'data' listener beside the pipe hashes each chunk as it passes, with no extra stream stage.
      progress?.start(label, Number(res.headers['content-length'] ?? 0));
      res.body.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        progress?.advance(chunk.length);
      });
      await pipeline(res.body, createWriteStream(dest, { highWaterMark: 4 << 20 }));
    } catch (err) {
      rmSync(dest, { force: true });
      throw new RemoteUnavailableError(`download of ${url} broke off: ${(err as Error).message}`, { cause: err });
    } finally {
      progress?.stop();
    }
    return hash.digest('hex');
  }
}

function describe(json: unknown): string {
  if (json && typeof json === 'object' && 'detail' in json) return String((json as { detail: unknown }).detail);
  return JSON.stringify(json)?.slice(0, 300) ?? '';
}
