import { spawn } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { descendants } from '../../processes.js';
import type { RunOutcome } from '../../session/finalise.js';
import { configScript } from '../../session/script.js';
import { backendFor, openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';
import { startSession } from '../start-session.js';
import { printFinaliseReport } from '../report.js';

interface RunOptions {
  mount?: string;
  strict?: boolean;
  registerFailed?: boolean;
}

/** How long an interrupted command has to exit before it and its group are killed. */
const KILL_GRACE_MS = 10_000;

/** Signal the command and everything it started: its process group, or (on a terminal) its /proc descendants. */
function signalTree(pid: number | undefined, ownGroup: boolean, signal: NodeJS.Signals): void {
  if (!pid) return;
  const targets = ownGroup ? [-pid] : [...descendants(pid).reverse(), pid];
  for (const target of targets) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

/** Quote an argument so the recorded command line can be pasted into a shell. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export default async function run(g: GlobalOptions, config: string, argv: string[], o: RunOptions): Promise<number> {
  // commander keeps the `--` that separates fairfs options from the command.
  let command = argv[0] === '--' ? argv.slice(1) : argv;
  // No command: run the config's own script, as `fair run` does.
  const scriptRun = command.length === 0;
  const { home, registry } = openHome(g);
  const tempMount = o.mount ? null : mkdtempSync(join(tmpdir(), 'fairfs-run-'));
  const mountpoint = resolve(o.mount ?? tempMount!);
  let scriptEnv: Record<string, string> = {};
  let started: Awaited<ReturnType<typeof startSession>>;
  try {
    started = await startSession(home, registry, {
      configFile: config,
      mountpoint,
      strict: o.strict ?? false,
      command: scriptRun ? null : command.map(shellQuote).join(' '),
      needScript: scriptRun,
      debug: g.debug ?? false,
      backend: backendFor(g, home),
      beforeMount: (session) => {
        if (!scriptRun) return;
        const script = configScript(session);
        command = script.argv;
        scriptEnv = script.env;
        session.scriptFile = script.file;
        registry.setRunCommand(session.runId, command.map(shellQuote).join(' '));
      },
    });
  } catch (err) {
    if (tempMount) rmdirSync(tempMount);
    throw err;
  }
  const { session, mounted } = started;

  // The command runs in its own process: serving the mount from this one must never block.
  // Without a terminal it gets a process group of its own, so a signal reaches everything it started;
  // on a terminal it stays in the foreground group (it may read the terminal) and its tree is found in /proc.
  const ownGroup = !process.stdin.isTTY;
  const child = spawn(command[0]!, command.slice(1), {
    stdio: 'inherit',
    detached: ownGroup,
    env: { ...process.env, ...scriptEnv, FAIRFS_MOUNT: mountpoint, FAIRFS_RUN_ID: session.runId },
  });
  // Only the command's process tree (and processes given this run's FAIRFS_RUN_ID) make the run's inputs and outputs.
  if (child.pid) session.vfs.follow(child.pid);
  const signalCommand = (signal: NodeJS.Signals): void => signalTree(child.pid, ownGroup, signal);
  let interrupted: NodeJS.Signals | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const forward = (signal: NodeJS.Signals): void => {
    interrupted ??= signal;
    signalCommand(signal);
    // A command that ignores the signal is killed after a grace period, with everything it started.
    killTimer ??= setTimeout(() => signalCommand('SIGKILL'), KILL_GRACE_MS);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
    child.once('error', (error) => done({ code: 127, signal: null, error }));
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  clearTimeout(killTimer);
  // Interrupted: whatever the command left running in its group goes with it (no orphan keeps the mount busy).
  if (interrupted && ownGroup) signalCommand('SIGKILL');
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

  // Finalising is not interruptible: a second Ctrl-C must not leave the run half-registered.
  const hold = (): void => info('fairfs: finalising the run; it ends in a moment');
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  try {
    printFinaliseReport(await mounted.stop(outcome, { force: true }));
  } finally {
    process.off('SIGINT', hold);
    process.off('SIGTERM', hold);
    if (tempMount) rmdirSync(tempMount);
  }
  return ended.error ? 127 : status;
}
