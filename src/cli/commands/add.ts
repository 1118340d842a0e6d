import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataConflictError, MissingDataError } from '../../errors.js';
import { DataStore, extensionOf } from '../../store/store.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';
import { formatRef, parseProductRef } from '../product-ref.js';

export default async function add(g: GlobalOptions, file: string, product: string, o: { description?: string }): Promise<number> {
  const ref = parseProductRef(product);
  const source = resolve(file);
  if (!existsSync(source) || !statSync(source).isFile()) {
    throw new MissingDataError(`${file} is not a readable file`, { hint: 'give the path of the file to register' });
  }
  const { home, registry } = openHome(g);
  if (registry.findProduct(ref.namespace, ref.name, ref.version)) {
    throw new DataConflictError(`${formatRef(ref)} is already registered`, {
      hint: 'registered data is immutable: register the file under a new version',
    });
  }
  const store = new DataStore(home.dataStore);
  const extension = extensionOf(source);
  const stored = await store.put(source, ref.namespace, ref.name, extension, { move: false });
  registry.transaction(() =>
    registry.registerProduct({
      ...ref,
      description: o.description ?? null,
      file: { storageRoot: store.rootUrl, path: stored.path, hash: stored.hash, size: stored.size, extension },
    }),
  );
  info(`registered ${formatRef(ref)} (sha1 ${stored.hash}, ${stored.size} bytes)`);
  return 0;
}
