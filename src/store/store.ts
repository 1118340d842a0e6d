import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InternalError } from '../errors.js';
import { sha1, sha1File } from './hash.js';

export interface StoredFile {
  /** Path relative to the store root (what `storage_location.path` holds). */
  path: string;
  hash: string;
  size: number;
}

/**
 * The content-addressed data store: `<namespace>/<name>/<sha1>.<ext>`, files
 * read-only once stored and never modified. Storing the same bytes twice is a
 * no-op; every store is temp-file-then-rename so a crash never leaves a
 * half-written stored file.
 */
export class DataStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    mkdirSync(this.root, { recursive: true });
  }

  /** The `storage_root.root` value for this store. */
  get rootUrl(): string {
    // A real file URL (percent-encoded), so any folder name round-trips through fileURLToPath.
    const url = pathToFileURL(this.root).href;
    return url.endsWith('/') ? url : `${url}/`;
  }

  absolute(relPath: string): string {
    const abs = resolve(this.root, relPath);
    if (abs !== this.root && !abs.startsWith(this.root + sep)) {
      throw new InternalError(`stored path ${relPath} escapes the data store`);
    }
    return abs;
  }

  /**
   * The absolute path of a regular file inside the store, or null. Paths come
   * from registry rows that API clients may have written, so the file is
   * resolved with symlinks followed and must still lie under the store's root.
   */
  containedFile(relPath: string): string | null {
    try {
      const root = realpathSync(this.root);
      const real = realpathSync(resolve(root, relPath));
      if (!real.startsWith(root + sep) || !statSync(real).isFile()) return null;
      return real;
    } catch {
      return null;
    }
  }

  /**
   * `<namespace>/<name…>/<sha1>.<ext>`, with any segment a filesystem could not
   * hold (over 255 bytes, or a path over 1024) replaced by its hash: a store
   * path never fails on the length of a name someone chose.
   */
  static locationFor(namespace: string, name: string, hash: string, extension: string): string {
    const ext = extension && Buffer.byteLength(extension) <= 32 ? `.${extension}` : '';
    const segments = [namespace, ...name.split('/')].map((seg) => (Buffer.byteLength(seg) > SEGMENT_MAX ? `~${sha1(seg)}` : seg));
    const path = [...segments, `${hash}${ext}`].join('/');
    return Buffer.byteLength(path) <= STORE_PATH_MAX ? path : `.fairfs/long-names/${hash}${ext}`;
  }

  /**
   * Store `source` under (namespace, name). `move` renames it in (staging files);
   * otherwise it is copied (files the user registers with `fairfs add`).
   * `knownHash` skips re-reading a file whose hash was streamed as it was written.
   */
  async put(
    source: string,
    namespace: string,
    name: string,
    extension: string,
    opts: { move: boolean; knownHash?: string },
  ): Promise<StoredFile> {
    const hash = opts.knownHash ?? (await sha1File(source));
    const size = statSync(source).size;
    const path = DataStore.locationFor(namespace, name, hash, extension);
    this.placeFile(source, path, opts.move);
    return { path, hash, size };
  }

  /** Store small generated content (working config, submission script). */
  putBytes(content: string | Buffer, folder: string, extension: string): StoredFile {
    const hash = sha1(content);
    const path = `${folder}/${hash}.${extension}`;
    const target = this.absolute(path);
    if (!existsSync(target)) {
      mkdirSync(dirname(target), { recursive: true });
      const tmp = `${target}.tmp-${process.pid}`;
      writeFileSync(tmp, content);
      chmodSync(tmp, 0o444);
      renameSync(tmp, target);
    }
    return { path, hash, size: Buffer.byteLength(content) };
  }

  private placeFile(source: string, path: string, move: boolean): void {
    const target = this.absolute(path);
    if (existsSync(target)) {
      // Identical bytes are already stored: content addressing makes this a no-op.
      if (move) rmSync(source, { force: true });
      return;
    }
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    if (move) {
      try {
        renameSync(source, tmp);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        copyFileSync(source, tmp);
        rmSync(source, { force: true });
      }
    } else {
      copyFileSync(source, tmp);
    }
    chmodSync(tmp, 0o444);
    renameSync(tmp, target);
  }
}

const SEGMENT_MAX = 255;
const STORE_PATH_MAX = 1024;

/** File extension without the dot (`csv` for `a/b.csv`), '' when none. */
export function extensionOf(path: string): string {
  return extname(path).replace(/^\./, '');
}
