import { orphanMounts, recoverStale } from '../../mount/recover.js';
import { fusermountUnmount } from '../../mount/fusermount.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';

export default async function recover(g: GlobalOptions): Promise<number> {
  const { home, registry } = openHome(g);
  const recovered = await recoverStale(home, registry);
  for (const r of recovered) {
    info(
      `run ${r.runId}: marked aborted${r.unmounted ? `, stale mount ${r.mountpoint} removed` : ''}` +
        `${r.quarantine ? `, staged outputs kept in ${r.quarantine}` : ''}`,
    );
  }
  for (const mountpoint of orphanMounts(registry)) {
    await fusermountUnmount(mountpoint, true);
    info(`removed orphaned fairfs mount ${mountpoint}`);
  }
  const integrity = registry.integrityCheck();
  info(`registry integrity: ${integrity}`);
  if (recovered.length === 0) info('no interrupted runs');
  return integrity === 'ok' ? 0 : 70;
}
