import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { writePrivateFile } from '../../home.js';
import { hashToken } from '../../server/server.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';

/** Issue an API token; it is printed once, here, and stored only as a hash. */
export default async function tokenCreate(g: GlobalOptions, o: { user?: string; out?: string }): Promise<number> {
  const { registry } = openHome(g);
  const username = o.user ?? 'admin';
  const token = randomBytes(20).toString('hex');
  registry.transaction(() => registry.addToken(registry.ensureUser(username), hashToken(token)));
  if (o.out) {
    writePrivateFile(resolve(o.out), `${token}\n`);
    info(`fairfs: token for ${username} written to ${o.out} (mode 0600); it is not stored in clear and cannot be shown again`);
  } else {
    process.stdout.write(`${token}\n`);
    info(`fairfs: token for ${username} created; it is not stored in clear and cannot be shown again`);
  }
  return 0;
}
