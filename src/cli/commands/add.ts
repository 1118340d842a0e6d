import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, DataConflictError, MissingDataError } from '../../errors.js';
import { componentsOf } from '../../store/components.js';
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
  const parsed = await componentsOf(source, extension);
  if (parsed && !parsed.ok) {
    throw new ConfigError(`${file} ${parsed.error}`, { hint: 'fix the file, or register it under another extension to keep it as an opaque object' });
  }
  const stored = await store.put(source, ref.namespace, ref.name, extension, { move: false });
  registry.transaction(() =>
    registry.registerProduct({
      ...ref,
      description: o.description ?? null,
      file: { storageRoot: store.rootUrl, path: stored.path, hash: stored.hash, size: stored.size, extension },
      components: parsed?.components ?? [],
    }),
  );
  const named = parsed?.components.length ? `; components ${parsed.components.map((c) => c.name).join(', ')}` : '';
  info(`registered ${formatRef(ref)} (sha1 ${stored.hash}, ${stored.size} bytes${named})`);
  return 0;
}
