#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { asFairfsError, ExitCode, FairfsError } from '../errors.js';
import type { GlobalOptions } from './context.js';

/*
 * The CLI entry point: the only place that prints errors and exits. Each
 * command lives in its own module, imported only when it runs, so `--help`
 * stays instant.
 */


function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function buildProgram(): Command {
  const program = new Command('fairfs')
    .description('FAIR Data Pipeline provenance for unmodified programs, through a FUSE mount')
    .version(process.env.npm_package_version ?? '0.1.0')
    .option('--home <dir>', 'fairfs home (default: $FAIRFS_HOME or ~/.fairfs)')
    .option('--debug', 'show stack traces and trace FUSE operations')
    .option('--backend <name>', 'FUSE backend for mounts: fuse3 (native, passthrough; the default where it loads) or fuse2 (fuse-native)')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('init')
    .description('create the fairfs home: registry.db, data/, settings.yaml')
    .action((_o, cmd: Command) => run(() => import('./commands/init.js'), globals(cmd)));

  program
    .command('add')
    .description('register a local file (or every file under a folder, in one transaction) as data products, copied into the store')
    .argument('<path>', 'the file to register, or a folder: each file becomes NAME/<its path without extension>')
    .argument('<product>', 'NAMESPACE:NAME@VERSION, e.g. SCRC:human/population@0.1.0')
    .option('--description <text>', 'description of the data product')
    .action((file: string, product: string, o, cmd: Command) =>
      run(() => import('./commands/add.js'), globals(cmd), file, product, o),
    );

  program
    .command('mount')
    .description('open a session (one code run) on DIR; daemonised unless -f. `fairfs mount DIR --catalog` browses the registry')
    .argument('<config>', 'config.yaml (FAIR user config or SCRC 2020 format); with --catalog, the directory')
    .argument('[dir]', 'the empty directory to mount the session on')
    .option('-f, --foreground', 'stay in the foreground; finalise on SIGINT/SIGTERM')
    .option('--strict', 'refuse undeclared writes (EACCES)')
    .option('--catalog', 'read-only mount of every data product in the local registry, no code run')
    .option('--follow <pid>', "only this process's tree (and processes carrying the run's FAIRFS_RUN_ID) make the run's inputs and outputs")
    .addOption(new Option('--notify-parent').hideHelp())
    .action((config: string, dir: string | undefined, o, cmd: Command) =>
      run(() => import('./commands/mount.js'), globals(cmd), config, dir, o),
    );

  program
    .command('unmount')
    .description("finalise the session's code run, then unmount DIR")
    .argument('<dir>', 'the session mountpoint')
    .option('--abort', 'mark the run aborted and keep its outputs in quarantine')
    .option('--force', 'finalise even while files are still open')
    .action((dir: string, o, cmd: Command) => run(() => import('./commands/unmount.js'), globals(cmd), dir, o));

  program
    .command('run')
    .description("mount, run CMD (or the config's run_metadata.script) against the mount, finalise, unmount; exits with its status")
    .argument('<config>', 'config.yaml')
    .argument('[cmd...]', "the command to run, after --; without one, the config's script runs as `fair run` runs it")
    .option('--mount <dir>', 'mountpoint (default: a fresh temporary directory)')
    .option('--strict', 'refuse undeclared writes (EACCES)')
    .option('--register-failed', "register a failed run's outputs instead of quarantining them")
    .action((config: string, command: string[], o, cmd: Command) =>
      run(() => import('./commands/run.js'), globals(cmd), config, command, o),
    );

  program
    .command('ls')
    .description('list data products')
    .argument('[pattern]', 'glob over NAMESPACE:NAME@VERSION, e.g. "SCRC:*"')
    .option('--json', 'print JSON')
    .action((pattern: string | undefined, o, cmd: Command) =>
      run(() => import('./commands/ls.js'), globals(cmd), pattern, o),
    );

  program
    .command('runs')
    .description('list code runs')
    .option('--json', 'print JSON')
    .action((o, cmd: Command) => run(() => import('./commands/runs.js'), globals(cmd), o));

  program
    .command('show')
    .description('one code run (status, config, command, code, inputs, outputs, quarantined outputs, issues, processes, refusals) or one data product')
    .argument('<run>', 'run id (or a unique prefix) or uuid, or NAMESPACE:NAME@VERSION')
    .option('--json', 'print JSON')
    .action((runId: string, o, cmd: Command) => run(() => import('./commands/show.js'), globals(cmd), runId, o));

  program
    .command('prov')
    .description('provenance of a code run or data product: PROV-JSON, PROV-N, PROV-XML, RO-Crate, DOT or SVG')
    .argument('<subject>', 'run id (or a unique prefix), or NAMESPACE:NAME@VERSION')
    .option('--format <format>', 'prov-json, prov-n, prov-xml, ro-crate, dot or svg', 'prov-json')
    .option('--depth <n>', 'levels of code runs: 2 adds the runs that made the inputs', '1')
    .option('-o, --output <path>', 'write to PATH (ro-crate: a folder, or a .zip file) instead of stdout')
    .option('--base-url <url>', "the registry URL identifiers are relative to (default: fairfs registry serve's)")
    .option('--no-data', 'ro-crate: describe the files without copying them')
    .option('--licence <id>', "ro-crate: the crate's licence (SPDX id or URL; default the recorded licences, else CC BY 4.0)")
    .action((subject: string, o, cmd: Command) => run(() => import('./commands/prov.js'), globals(cmd), subject, o));

  program
    .command('impact')
    .description('what depends on a data product: every run and output downstream of it')
    .argument('<product>', 'NAMESPACE:NAME@VERSION, e.g. one with an issue raised against it')
    .option('--json', 'print JSON')
    .option('--format <format>', 'a picture instead: dot or svg')
    .option('-o, --output <path>', 'write the picture to PATH')
    .option('--depth <n>', 'levels of runs to follow (default: all)')
    .action((product: string, o, cmd: Command) => run(() => import('./commands/impact.js'), globals(cmd), product, o));

  program
    .command('diff')
    .description('what changed between two versions of a data product (TOML values, CSV rows, HDF5 arrays), or between two runs')
    .argument('<a>', 'NAMESPACE:NAME@VERSION or a run id')
    .argument('<b>', 'NAMESPACE:NAME@VERSION or a run id')
    .option('--json', 'print JSON')
    .action((a: string, b: string, o, cmd: Command) => run(() => import('./commands/diff.js'), globals(cmd), a, b, o));

  program
    .command('rerun')
    .description("run a code run again on its exact input versions and say whether each output reproduces byte for byte")
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--mount <dir>', 'mountpoint (default: a fresh temporary directory)')
    .option('--cwd <dir>', "where the command runs (default: the original config's folder)")
    .option('--json', 'print the verdict as JSON')
    .action((runId: string, o, cmd: Command) => run(() => import('./commands/rerun.js'), globals(cmd), runId, o));

  program
    .command('recover')
    .description('clean stale mounts, mark interrupted runs aborted, keep their outputs in quarantine')
    .option('--all', "also remove dead mounts of other homes (live sessions are never touched)")
    .action((o, cmd: Command) => run(() => import('./commands/recover.js'), globals(cmd), o));

  program
    .command('doctor')
    .description('check /dev/fuse, fusermount, libfuse2, stale mounts and interrupted runs; print fixes')
    .action((_o, cmd: Command) => run(() => import('./commands/doctor.js'), globals(cmd)));

  const registry = program.command('registry').description('serve the local registry as a FAIR data-registry REST API');
  registry
    .command('serve')
    .description('serve the registry and data store over HTTP (FAIR data-registry API)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8000')
    .option('--page-size <n>', 'rows per list page', '100')
    .option('--public-url <url>', 'the URL clients use when it is not the listening address (behind a proxy); other Host headers get 400')
    .action((o, cmd: Command) => run(() => import('./commands/registry-serve.js'), globals(cmd), o));
  registry
    .command('token')
    .description('API tokens')
    .command('create')
    .description('issue an API token for the server (printed once)')
    .option('--user <name>', 'user the token acts as', 'admin')
    .option('--out <file>', 'write the token to FILE (mode 0600) instead of printing it')
    .action((o, cmd: Command) => run(() => import('./commands/registry-token.js'), globals(cmd), o));

  program
    .command('pull')
    .description('fetch the data products a config reads from a remote registry')
    .argument('<config>', 'config.yaml')
    .option('--remote <name-or-url>', 'remote from settings.yaml, or a registry URL')
    .action((config: string, o, cmd: Command) => run(() => import('./commands/pull.js'), globals(cmd), config, o));

  program
    .command('push')
    .description('send completed code runs with their inputs and outputs to a remote registry')
    .argument('[runs...]', 'run ids (default: every completed run not yet pushed)')
    .option('--remote <name-or-url>', 'remote from settings.yaml, or a registry URL')
    .option('--dry-run', 'list every record and file a push would send, and send nothing')
    .option('--json', 'with --dry-run: print the plan as JSON')
    .action((runs: string[], o, cmd: Command) => run(() => import('./commands/push.js'), globals(cmd), runs, o));

  return program;
}

let exitCode: number = ExitCode.ok;

/** Load a command module only when it runs, then remember its exit code. */
async function run<A extends unknown[]>(
  load: () => Promise<{ default: (...args: A) => Promise<number | void> }>,
  ...args: A
): Promise<void> {
  const code = await (await load()).default(...args);
  if (typeof code === 'number') exitCode = code;
}

function report(err: FairfsError, debug: boolean): void {
  process.stderr.write(`fairfs: ${err.message}\n`);
  if (err.hint) process.stderr.write(`  fix: ${err.hint}\n`);
  if (debug) process.stderr.write(`${(err.cause as Error | undefined)?.stack ?? err.stack}\n`);
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : ExitCode.usage;
    }
    report(asFairfsError(err), argv.includes('--debug'));
    return asFairfsError(err).exitCode;
  }
}

/**
 * Exit explicitly (a finished FUSE session can leave native handles open), but
 * only once stdout and stderr are written out: a pipe takes 64 KiB at a time,
 * and process.exit drops what is still queued (`fairfs ls --json | jq` got cut).
 */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv).then(exitWhenFlushed, (err: unknown) => {
  process.stderr.write(`fairfs: internal error: ${(err as Error)?.stack ?? err}\n`);
  exitWhenFlushed(ExitCode.internal);
});
