import { describeOwner } from '../../mount/owner.js';
import { otherMounts, recoverStale, removeDeadMount } from '../../session/recover.js';
import { sweepPartialUploads } from '../../server/files.js';
import { DataStore } from '../../store/store.js';
import { sweepPullStaging } from '../../sync/pull.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';

export default async function recover(g: GlobalOptions, o: { all?: boolean } = {}): Promise<number> {
  const { home, registry } = openHome(g);
  const recovered = await recoverStale(home, registry);
  for (const r of recovered) {
    info(
      `run ${r.runId}: marked aborted${r.unmounted ? `, stale mount ${r.mountpoint} removed` : ''}` +
        `${r.quarantine ? `, staged outputs kept in ${r.quarantine}` : ''}; ${r.inputs} input(s) it read linked to it`,
    );
  }
  for (const { mount, ours } of await otherMounts(home, registry)) {
    const owner = describeOwner(mount);
    if (mount.state === 'live') info(`left alone: ${mount.mountpoint}, live, ${owner}`);
    else if (ours || o.all) {
      await removeDeadMount(mount);
      info(`removed dead fairfs mount ${mount.mountpoint} (${owner}; ${mount.why})`);
    } else {
      info(`dead mount of another home: ${mount.mountpoint} (${owner}; ${mount.why}); remove it with \`fairfs recover --all\`${mount.owner ? ` or FAIRFS_HOME=${mount.owner.home} fairfs recover` : ''}`);
    }
  }
  const uploads = sweepPartialUploads(new DataStore(home.dataStore));
  const pulls = sweepPullStaging(home);
  if (uploads + pulls) info(`removed ${uploads} partial upload(s) and ${pulls} partial download(s) of dead processes`);
  const integrity = registry.integrityCheck();
  info(`registry integrity: ${integrity}`);
  if (recovered.length === 0) info('no interrupted runs');
  return integrity === 'ok' ? 0 : 70;
}
