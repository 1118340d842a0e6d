import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, chmodSync, renameSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Registry } from '../registry/registry.js';
import { processTag, sweepDeadTagged } from '../processes.js';
import type { DataStore } from '../store/store.js';
import { detail } from './http.js';

const SHA1 = /^[0-9a-f]{40}$/;
const UPLOADS = '.fairfs/uploads';
const TMP_PREFIX = '.tmp-';

const uploadsDir = (store: DataStore): string => join(store.root, UPLOADS);

/** Remove what killed uploads left (`.tmp-*` of provably dead processes): at server start and by `fairfs recover`. */
export const sweepPartialUploads = (store: DataStore): number => sweepDeadTagged(uploadsDir(store), TMP_PREFIX);

/**
 * File transfer for push and pull: `POST /api/data/<sha1>` hands out an upload
 * URL, `PUT` there streams the bytes in (verified against the hash before they
 * are kept), `GET /data/<sha1>` streams any stored file by hash.
 */
export class FileService {
  constructor(
    private readonly registry: Registry,
    private readonly store: DataStore,
  ) {
    mkdirSync(uploadsDir(store), { recursive: true });
  }

  /**
   * Where the bytes with this hash are, if this server has them: an upload, or
   * a file of its own store. Storage roots and paths posted through the API are
   * metadata only; nothing outside the store is ever opened.
   */
  locate(sha1: string): string | null {
    if (!SHA1.test(sha1)) return null;
    const uploaded = this.store.containedFile(`${UPLOADS}/${sha1}`);
    if (uploaded) return uploaded;
    for (const path of this.registry.pathsByHash(sha1, this.store.rootUrl)) {
      const file = this.store.containedFile(path);
      if (file) return file;
    }
    return null;
  }

  requestUpload(base: string, sha1: string): { url: string } {
    if (!SHA1.test(sha1)) throw detail(400, 'the upload path must end in a SHA-1 (40 hex digits)');
    if (this.locate(sha1)) throw detail(409, `a file with hash ${sha1} is already stored`);
    return { url: `${base}/data/upload/${sha1}` };
  }

  async receive(req: IncomingMessage, sha1: string): Promise<void> {
    if (!SHA1.test(sha1)) throw detail(400, 'the upload path must end in a SHA-1 (40 hex digits)');
    if (this.locate(sha1)) throw detail(409, `a file with hash ${sha1} is already stored`);
    const tmp = join(uploadsDir(this.store), processTag(TMP_PREFIX, randomBytes(8).toString('hex')));
    const hash = createHash('sha1');
    try {
      req.on('data', (chunk: Buffer) => hash.update(chunk));
      await pipeline(req, createWriteStream(tmp, { highWaterMark: 4 << 20 }));
      const actual = hash.digest('hex');
      if (actual !== sha1) throw detail(400, `the uploaded bytes hash to ${actual}, not ${sha1}`);
      chmodSync(tmp, 0o444);
      renameSync(tmp, join(uploadsDir(this.store), sha1));
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  async send(res: ServerResponse, sha1: string): Promise<void> {
    const file = this.locate(sha1);
    if (!file) throw detail(404, `no file with hash ${sha1}`);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(file).size });
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), res);
  }
}
