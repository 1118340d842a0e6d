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
  /** The user's own namespace (FAIR-CLI's `namespaces.output`): outputs go there when a config names none. */
  namespace?: string;
  /** The user as the author of what they write (FAIR-CLI's user: name, ORCID, uuid). */
  author?: AuthorSettings;
  /** Which FUSE backend serves mounts (fuse3, fuse2); `--backend` and $FAIRFS_BACKEND win over it. */
  backend?: string;
}

export interface AuthorSettings {
  name?: string;
  /** An ORCID iD (0000-0002-1825-0097) or its URL. */
  orcid?: string;
  /** Any identifier URL (ROR, ORCID). */
  identifier?: string;
  uuid?: string;
}

/**
 * Namespaces for configs that name none, as FAIR-CLI takes them from its
 * settings: `default_*_namespace`, else the user's `namespace`, else (outputs)
 * the login name.
 */
export function configDefaults(settings: Settings): { inputNamespace: string | null; outputNamespace: string } {
  return {
    inputNamespace: settings.default_input_namespace ?? settings.namespace ?? null,
    outputNamespace: settings.default_output_namespace ?? settings.namespace ?? settings.user,
  };
}

/** The author fields settings give, checked: a name, an identifier URL (from orcid: or identifier:), a uuid. */
export function authorOf(home: Home, settings: Settings): { name: string; identifier: string | null; uuid: string | null } {
  const a = settings.author ?? {};
  const bad = (key: string, want: string): never => {
    throw new ConfigError(`author.${key} in ${home.settingsFile} must be ${want}`, { key: `author.${key}`, hint: 'fix it, or delete the key' });
  };
  if (typeof a !== 'object' || a === null || Array.isArray(a)) bad('', 'a mapping of name, orcid, identifier, uuid');
  for (const key of ['name', 'orcid', 'identifier', 'uuid'] as const) if (a[key] !== undefined && typeof a[key] !== 'string') bad(key, 'a string');
  let identifier = a.identifier ?? null;
  if (a.orcid) {
    const id = /^(?:https?:\/\/orcid\.org\/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$/.exec(a.orcid.trim())?.[1];
    if (!id) bad('orcid', 'an ORCID iD such as 0000-0002-1825-0097');
    identifier = `https://orcid.org/${id}`;
  }
  if (identifier !== null && !/^https?:\/\/\S+$/.test(identifier)) bad('identifier', 'an http(s) URL');
  if (a.uuid !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(a.uuid)) bad('uuid', 'a UUID');
  // With an identifier the registry derives the uuid from it (Registry.ensureAuthor does the same).
  return { name: a.name?.trim() || settings.user, identifier, uuid: a.uuid?.toLowerCase() ?? null };
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
    const settings: Settings = { user: currentUser(), namespace: currentUser() };
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
