import { globToRegExp } from '../../config/resolve.js';
import { openHome, type GlobalOptions } from '../context.js';
import { formatBytes, printJson, printTable } from '../output.js';

export default async function ls(g: GlobalOptions, pattern: string | undefined, o: { json?: boolean }): Promise<number> {
  const { registry } = openHome(g);
  // `*` matches across `/` here: `SCRC:*` lists every SCRC product.
  const match = pattern ? new RegExp(globToRegExp(pattern).source.replaceAll('([^/]*)', '(.*)')) : null;
  const products = registry
    .listProducts()
    .filter((p) => !match || match.test(`${p.namespace}:${p.name}@${p.version}`) || match.test(`${p.namespace}:${p.name}`));
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
