import type { FinaliseReport } from '../session/finalise.js';
import { formatBytes, info } from './output.js';

/** What finalising a run did, on stderr (stdout belongs to the model under `run`). */
export function printFinaliseReport(report: FinaliseReport): void {
  for (const w of report.warnings) info(`fairfs: warning: ${w}`);
  info(`fairfs: run ${report.runId} ${report.status}`);
  for (const o of report.outputs) info(`  wrote ${o.product} from ${o.path} (${formatBytes(o.size)}, sha1 ${o.hash})`);
  if (report.quarantined) info(`  outputs not registered; kept in ${report.quarantined}`);
}
