import { writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { Shell } from '../config/load.js';
import { replaceRunId } from '../config/variables.js';
import { UsageError } from '../errors.js';
import type { Session } from './session.js';

/** How FAIR-CLI runs a config's script with each `run_metadata.shell` (all of config's SHELLS but batch), and the file extension it gets. */
const SHELL_COMMANDS: Record<Exclude<Shell, 'batch'>, { argv: (file: string) => string[]; extension: string }> = {
  sh: { argv: (f) => ['sh', '-e', f], extension: 'sh' },
  bash: { argv: (f) => ['bash', '-eo', 'pipefail', f], extension: 'sh' },
  python: { argv: (f) => ['python', f], extension: 'py' },
  python2: { argv: (f) => ['python2', f], extension: 'py' },
  python3: { argv: (f) => ['python3', f], extension: 'py' },
  R: { argv: (f) => ['R', '-f', f], extension: 'R' },
  julia: { argv: (f) => ['julia', f], extension: 'jl' },
  java: { argv: (f) => ['java', f], extension: 'java' },
  pwsh: { argv: (f) => ['pwsh', '-File', f], extension: 'ps1' },
  powershell: { argv: (f) => ['pwsh', '-File', f], extension: 'ps1' },
};

export interface ConfigScript {
  /** The command line that runs it. */
  argv: string[];
  /** The file that runs (substituted script, or the config's script_path). */
  file: string;
  /** FAIR-CLI's variables for the script, beside fairfs's own. */
  env: Record<string, string>;
}

/**
 * The config's script as `fair run` runs it: `script:` (with `${{ }}`
 * substituted, the run id too) written to a file in the run's folder, or
 * `script_path:`, run by `run_metadata.shell` (`sh -e` by default).
 */
export function configScript(session: Session): ConfigScript {
  const { config } = session;
  const shell = config.shell ?? 'sh';
  if (shell === 'batch') throw new UsageError('run_metadata.shell batch runs only on Windows', { hint: 'use sh or bash here' });
  const how = SHELL_COMMANDS[shell];
  const jobDir = join(session.home.runDir, session.runId);
  mkdirSync(jobDir, { recursive: true });
  writeFileSync(join(jobDir, 'config.yaml'), session.record.workingConfig);
  let file: string;
  if (config.script !== null) {
    file = join(jobDir, `script.${how.extension}`);
    writeFileSync(file, replaceRunId(config.script.endsWith('\n') ? config.script : `${config.script}\n`, session.runId));
    chmodSync(file, 0o700);
  } else if (config.scriptPath !== null) {
    file = config.scriptPath;
  } else {
    // Session.open refuses such a config when it is to run its script.
    throw new UsageError(`${config.file} has no run_metadata.script or script_path`);
  }
  return {
    argv: how.argv(file),
    file,
    env: { FDP_CONFIG_DIR: `${jobDir}/`, FDP_LOCAL_REPO: config.localRepo ?? session.git?.repoDir ?? process.cwd() },
  };
}
