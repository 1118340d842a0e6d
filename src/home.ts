import { chmodSync, mkdirSync, existsSync, writeFileSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import * as yaml from 'js-yaml';
import { ConfigError } from './errors.js';

/** Where one fairfs home keeps its parts (DESIGN §2 `fairfs init`). */
export interface Home {
  root: string;
  registryFile: string;
  dataStore: string;
  staging: string;
  quarantine: string;
  runDir: string;
  logDir: string;
  settingsFile: string;
}

export interface Settings {
  user: string;
  default_input_namespace?: string;
  default_output_namespace?: string;
}

export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): Home {
  const root = resolve(explicit ?? env.FAIRFS_HOME ?? join(homedir(), '.fairfs'));
  return {
    root,
    registryFile: join(root, 'registry.db'),
    dataStore: join(root, 'data'),
    staging: join(root, 'staging'),
    quarantine: join(root, 'quarantine'),
    runDir: join(root, 'run'),
    logDir: join(root, 'logs'),
    settingsFile: join(root, 'settings.yaml'),
  };
}

/** Create the home's folders and a default settings file; idempotent. */
export function ensureHome(home: Home): { created: boolean } {
  const created = !existsSync(home.settingsFile);
  // The home holds the registry, tokens' paths and every run's outputs: its owner's alone (0700).
  mkdirSync(home.root, { recursive: true, mode: 0o700 });
  tighten(home.root, 0o700);
  for (const dir of [home.dataStore, home.staging, home.quarantine, home.runDir, home.logDir]) {
    mkdirSync(dir, { recursive: true });
  }
  if (created) {
    const settings: Settings = { user: currentUser() };
    writeFileSync(
      home.settingsFile,
      '# fairfs settings: user identity and defaults (remotes arrive with `fairfs pull`/`push`)\n' +
        yaml.dump(settings),
      { mode: 0o600 },
    );
  }
  tighten(home.settingsFile, 0o600);
  return { created };
}

/** Make a home's private file or folder private again (an older home made it 0644/0755). */
function tighten(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch {
    // not ours (a home shared on purpose): leave it as its owner set it
  }
}

/** Write a secret (an API token) to a file only its owner can read, replacing what was there. */
export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readSettings(home: Home): Settings {
  if (!existsSync(home.settingsFile)) return { user: currentUser() };
  const text = readFileSync(home.settingsFile, 'utf8');
  const parsed = yaml.load(text, { filename: home.settingsFile });
  if (parsed !== null && typeof parsed !== 'object') {
    throw new ConfigError('settings must be a mapping', { hint: `fix or delete ${home.settingsFile}` });
  }
  return { user: currentUser(), ...(parsed as Partial<Settings> | null) };
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
