import { createRegistryServer } from '../../server/server.js';
import { UsageError } from '../../errors.js';
import { DataStore } from '../../store/store.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';

export default async function serve(g: GlobalOptions, o: { host: string; port: string; pageSize?: string; publicUrl?: string }): Promise<number> {
  const { home, registry } = openHome(g);
  const server = createRegistryServer({
    registry,
    store: new DataStore(home.dataStore),
    ...(o.pageSize ? { pageSize: Number(o.pageSize) } : {}),
    ...(o.publicUrl ? { publicUrl: publicUrl(o.publicUrl) } : {}),
    log: info,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(o.port), o.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  // The one line scripts wait for (tests start the server on port 0 and read it).
  process.stdout.write(`fairfs registry listening on http://${o.host}:${port}/api/\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

function publicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--public-url ${raw} is not a URL`, { hint: 'e.g. --public-url https://registry.example.org' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--public-url must be http(s), not ${url.protocol}`);
  return url.href;
}
