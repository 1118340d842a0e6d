import { openHome, type GlobalOptions } from '../context.js';
import { printJson, printTable } from '../output.js';

export default async function runs(g: GlobalOptions, o: { json?: boolean }): Promise<number> {
  const { registry } = openHome(g);
  const sessions = registry.listSessions();
  if (o.json) {
    printJson(
      sessions.map((s) => ({
        run_id: s.runId,
        uuid: s.uuid,
        status: s.status,
        started: s.startedAt,
        ended: s.endedAt,
        exit_code: s.exitCode,
        description: s.description,
        command: s.command,
        mountpoint: s.mountpoint,
      })),
    );
    return 0;
  }
  printTable(
    ['RUN', 'STATUS', 'STARTED', 'DESCRIPTION'],
    sessions.map((s) => [s.runId.slice(0, 12), s.status, s.startedAt, s.description]),
  );
  return 0;
}
