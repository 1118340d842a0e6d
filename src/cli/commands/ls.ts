import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { globToRegExp } from '../../config/resolve.js';
import { openHome, type GlobalOptions } from '../context.js';
import { formatBytes, printJson, printTable } from '../output.js';

export default async function ls(g: GlobalOptions, pattern: string | undefined, o: { json?: boolean }): Promise<number> {
  const { registry } = openHome(g);
  // `*` matches across `/` here: `SCRC:*` lists every SCRC product.
  const match = pattern ? new RegExp(globToRegExp(pattern).source.replaceAll('([^/]*)', '(.*)')) : null;
  const products = registry
    .listProducts()
    .filter((p) => !match || match.test(`${p.namespace}:${p.name}@${p.version}`) || match.test(`${p.namespace}:${p.name}`))
    // Objects a FAIR client registered through the API carry no size: the file's, when it is on this disk.
    .map((p) => ({ ...p, size: p.size ?? localSize(p.storageRoot, p.path) }));
  if (o.json) {
    printJson(
      products.map((p) => ({
        namespace: p.namespace,
        name: p.name,
        version: p.version,
        file_type: p.extension,
        size: p.size,
        hash: p.hash,
        path: p.path,
        produced_by: p.producedBy,
        registered: p.lastUpdated,
      })),
    );
    return 0;
  }
  printTable(
    ['PRODUCT', 'TYPE', 'SIZE', 'SHA1', 'RUN'],
    products.map((p) => [`${p.namespace}:${p.name}@${p.version}`, p.extension || null, formatBytes(p.size), p.hash.slice(0, 12), p.producedBy?.slice(0, 12) ?? null]),
  );
  return 0;
}

function localSize(root: string, path: string): number | null {
  if (!root.startsWith('file://')) return null;
  try {
    return statSync(join(fileURLToPath(root), path)).size;
  } catch {
    return null;
  }
}
