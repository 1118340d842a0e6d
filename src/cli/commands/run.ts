import { spawn } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { MountedSession, prepareMountpoint } from '../../mount/session-mount.js';
import type { RunOutcome } from '../../session/finalise.js';
import { discardSession, Session } from '../../session/session.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';
import { printFinaliseReport } from '../report.js';

interface RunOptions {
  mount?: string;
  strict?: boolean;
  registerFailed?: boolean;
}

/** Quote an argument so the recorded command line can be pasted into a shell. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export default async function run(g: GlobalOptions, config: string, argv: string[], o: RunOptions): Promise<number> {
  // commander keeps the `--` that separates fairfs options from the command.
  const command = argv[0] === '--' ? argv.slice(1) : argv;
  if (command.length === 0) throw new UsageError('no command to run', { hint: 'fairfs run CONFIG -- CMD ARGS…' });
  const { home, registry } = openHome(g);
  const tempMount = o.mount ? null : mkdtempSync(join(tmpdir(), 'fairfs-run-'));
  const mountpoint = resolve(o.mount ?? tempMount!);
  const commandLine = command.map(shellQuote).join(' ');
  let session: Session | undefined;
  let mounted: MountedSession;
  try {
    await prepareMountpoint(home, registry, mountpoint);
    session = await Session.open({ home, registry, configFile: config, mountpoint, strict: o.strict ?? false, command: commandLine });
    mounted = await MountedSession.start(session, mountpoint, { debug: g.debug ?? false });
  } catch (err) {
    if (session) discardSession(session, `mount failed: ${(err as Error).message}`);
    if (tempMount) rmdirSync(tempMount);
    throw err;
  }
  info(`fairfs: run ${session.runId} mounted on ${mountpoint}`);

  // The command runs in its own process: serving the mount from this one must never block.
  const child = spawn(command[0]!, command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, FAIRFS_MOUNT: mountpoint, FAIRFS_RUN_ID: session.runId },
  });
  let interrupted: NodeJS.Signals | null = null;
  const forward = (signal: NodeJS.Signals): void => {
    interrupted = signal;
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
    child.once('error', (error) => done({ code: 127, signal: null, error }));
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);

  const status = ended.signal ? 128 + (constants.signals[ended.signal] ?? 0) : (ended.code ?? 1);
  let outcome: RunOutcome;
  if (interrupted) outcome = { status: 'aborted', exitCode: status, message: `interrupted by ${interrupted}` };
  else if (ended.error) outcome = { status: 'failed', exitCode: 127, message: `could not start ${command[0]}: ${ended.error.message}` };
  else if (status !== 0) outcome = { status: 'failed', exitCode: status, message: `command exited with status ${status}` };
  else outcome = { status: 'completed', exitCode: 0 };
  if (o.registerFailed) outcome.registerFailed = true;
  if (ended.error) info(`fairfs: ${outcome.message}`);

  try {
    printFinaliseReport(await mounted.stop(outcome, { force: true }));
  } finally {
    if (tempMount) rmdirSync(tempMount);
  }
  return ended.error ? 127 : status;
}
