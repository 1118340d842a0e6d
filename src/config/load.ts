import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { semver } from './semver.js';
import { ConfigError } from '../errors.js';
import { parseRegisterItems, type RegisterItem } from './register-items.js';
import { substitute, UnknownVariableError, versionExpression, type VariableContext } from './variables.js';
import { renderKeyPath, YamlSource, type KeyPath } from './yaml-source.js';

export type UndeclaredWrites = 'register' | 'reject';

export interface ReadSpec {
  alias: string;
  namespace: string;
  /** Registry name; may contain `*` (expanded against the registry). */
  name: string;
  /** A semver, or a version expression such as `${{LATEST}}`. */
  version: string;
  path: string | null;
  description: string | null;
  /** One component of a core-format product to read instead of the whole object. */
  component: string | null;
  at: KeyPath;
}

export interface WriteSpec {
  alias: string;
  namespace: string;
  /** Registry name; `*` in it takes the matched part of the file's path. */
  name: string;
  version: string;
  /** Mount path or glob; null means `<alias>.<file_type>`. */
  path: string | null;
  fileType: string | null;
  description: string | null;
  public: boolean;
  at: KeyPath;
}

export interface RunConfig {
  file: string;
  text: string;
  format: 'fair' | 'scrc2020';
  description: string;
  defaultInputNamespace: string | null;
  defaultOutputNamespace: string | null;
  writeDataStore: string | null;
  remoteDataRegistryUrl: string | null;
  localRepo: string | null;
  remoteRepo: string | null;
  script: string | null;
  scriptPath: string | null;
  public: boolean;
  undeclaredWrites: UndeclaredWrites;
  reads: ReadSpec[];
  writes: WriteSpec[];
  register: RegisterItem[];
  source: YamlSource;
  /** `run_metadata.shell`: what runs the script (FAIR-CLI's names), null for the default. */
  shell: Shell | null;
  /** Key paths given in the config that fairfs accepts but does not act on. */
  notActedOn: string[];
}

/** What the user's settings supply when a config is silent (FAIR-CLI takes these from its own settings). */
export interface ConfigDefaults {
  inputNamespace?: string | null;
  outputNamespace?: string | null;
}

const RUN_METADATA_KEYS = [
  'description',
  'default_input_namespace',
  'default_output_namespace',
  'write_data_store',
  'local_data_registry_url',
  'remote_data_registry_url',
  'local_repo',
  'remote_repo',
  'script',
  'script_path',
  'public',
  'default_read_version',
  'default_write_version',
  'undeclared_writes',
  'shell',
  // FAIR-CLI writes these into the working config; fairfs finds them itself (git) or has no use for them.
  'latest_commit',
  // SCRC 2020 (data_pipeline_api) names.
  'data_registry_url',
  'submission_script',
  'remote_uri',
  'remote_uri_override',
] as const;
/** Keys fairfs accepts from FAIR configs but does not act on: recorded with the run (its config bytes), and listed. */
const NOT_ACTED_ON = new Set(['latest_commit', 'local_data_registry_url', 'data_registry_url', 'remote_uri', 'remote_uri_override', 'run_id', 'fail_on_hash_mismatch', 'symlink', 'cache']);
const FAIR_TOP_KEYS = ['run_metadata', 'read', 'write', 'register'];
const SCRC_TOP_KEYS = ['data_directory', 'access_log', 'fail_on_hash_mismatch', 'run_id', 'namespace', 'run_metadata', 'read', 'write'];
const READ_KEYS = ['data_product', 'version', 'namespace', 'description', 'use', 'path', 'component'];
const READ_USE_KEYS = ['data_product', 'namespace', 'version', 'cache', 'component'];
const WRITE_KEYS = ['data_product', 'description', 'file_type', 'public', 'version', 'namespace', 'use', 'path'];
const WRITE_USE_KEYS = ['data_product', 'namespace', 'version', 'symlink'];
const SCRC_WHERE_KEYS = ['data_product', 'component', 'namespace', 'version'];
const SCRC_USE_KEYS = ['data_product', 'component', 'namespace', 'version', 'filename', 'cache'];

type Mapping = Record<string, unknown>;

/** The shells FAIR-CLI runs a config's script with (`run_metadata.shell`). */
export const SHELLS = ['sh', 'bash', 'python', 'python2', 'python3', 'R', 'julia', 'java', 'pwsh', 'powershell', 'batch'] as const;
export type Shell = (typeof SHELLS)[number];

/** Reads, validates and normalises a config file of either accepted format. */
export function loadConfig(file: string, vars: Omit<VariableContext, 'configDir' | 'sourceConfig'>, defaults: ConfigDefaults = {}): RunConfig {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`, {
      hint: 'check the path; `fairfs mount CONFIG DIR` takes the config file first',
    });
  }
  return parseConfig(absolute, text, { ...vars, configDir: dirname(absolute), sourceConfig: absolute }, defaults);
}

export function parseConfig(file: string, text: string, vars: VariableContext, defaults: ConfigDefaults = {}): RunConfig {
  const source = new YamlSource(file, text);
  const v = new Validator(source, vars);
  const top = v.mapping(source.value, [], 'the config file');
  const scrc = 'data_directory' in top || 'access_log' in top || hasWhereItems(top.read) || hasWhereItems(top.write);
  v.keys(top, [], scrc ? SCRC_TOP_KEYS : FAIR_TOP_KEYS);
  // SCRC 2020 configs wrote versions as YAML numbers (`version: 1.0`).
  v.shortVersions = scrc;

  const meta = top.run_metadata === undefined ? {} : v.mapping(top.run_metadata, ['run_metadata'], 'run_metadata');
  v.keys(meta, ['run_metadata'], RUN_METADATA_KEYS);
  const str = (key: (typeof RUN_METADATA_KEYS)[number]): string | null => v.optionalString(meta[key], ['run_metadata', key]);

  // SCRC 2020 configs may give one top-level `namespace:` for every item.
  const scrcNamespace = scrc ? v.optionalString(top.namespace, ['namespace']) : null;
  const defaultInputNamespace = str('default_input_namespace') ?? scrcNamespace ?? defaults.inputNamespace ?? null;
  const defaultOutputNamespace = str('default_output_namespace') ?? scrcNamespace ?? defaults.outputNamespace ?? null;
  const notActedOn = [
    ...Object.keys(top).filter((k) => NOT_ACTED_ON.has(k)),
    ...Object.keys(meta).filter((k) => NOT_ACTED_ON.has(k)).map((k) => `run_metadata.${k}`),
  ];
  const shellName = str('shell');
  if (shellName !== null && !(SHELLS as readonly string[]).includes(shellName)) {
    v.fail(['run_metadata', 'shell'], `unknown shell ${shellName}`, `use one of ${SHELLS.join(', ')}`);
  }
  const shell = shellName as Shell | null;
  const defaultReadVersion = v.version(meta.default_read_version ?? '${{LATEST}}', ['run_metadata', 'default_read_version']);
  const defaultWriteVersion = v.version(meta.default_write_version ?? '${{PATCH}}', ['run_metadata', 'default_write_version']);
  const undeclared = str('undeclared_writes') ?? 'register';
  if (undeclared !== 'register' && undeclared !== 'reject') {
    v.fail(['run_metadata', 'undeclared_writes'], `must be register or reject, not ${undeclared}`, 'use `undeclared_writes: register` or `undeclared_writes: reject`');
  }
  const configDir = dirname(file);
  const writeDataStore = str('write_data_store');

  const config: RunConfig = {
    file,
    text,
    format: scrc ? 'scrc2020' : 'fair',
    description: str('description') ?? '',
    defaultInputNamespace,
    defaultOutputNamespace,
    writeDataStore: writeDataStore === null ? null : resolve(configDir, writeDataStore),
    remoteDataRegistryUrl: str('remote_data_registry_url') ?? str('data_registry_url'),
    localRepo: str('local_repo') === null ? null : resolve(configDir, str('local_repo')!),
    remoteRepo: str('remote_repo'),
    script: str('script') ?? (scrc ? str('submission_script') : null),
    scriptPath: str('script_path') === null ? null : resolve(configDir, str('script_path')!),
    public: v.optionalBoolean(meta.public, ['run_metadata', 'public']) ?? true,
    undeclaredWrites: undeclared as UndeclaredWrites,
    reads: [],
    writes: [],
    register: [],
    source,
    shell,
    notActedOn,
  };

  const needNamespace = (ns: string | null, at: KeyPath, which: 'input' | 'output'): string => {
    if (ns) return ns;
    return v.fail(at, `no namespace for this ${which}`, `add \`namespace:\` to the item or \`default_${which}_namespace:\` to run_metadata`);
  };

  /**
   * What read and write items share, in either format: alias, namespace,
   * registry name and version spec, plus the `use:` block for the rest.
   */
  const itemCore = (raw: unknown, at: KeyPath, which: 'input' | 'output', itemKeys: string[], useKeys: string[]) => {
    const item = v.mapping(raw, at, which === 'input' ? 'a read item' : 'a write item');
    const defaultNamespace = which === 'input' ? defaultInputNamespace : defaultOutputNamespace;
    const defaultVersion = which === 'input' ? defaultReadVersion : defaultWriteVersion;
    const use = (from: Mapping, keys: readonly string[]): Mapping => {
      const block = from.use === undefined ? {} : v.mapping(from.use, [...at, 'use'], 'use');
      v.keys(block, [...at, 'use'], keys);
      for (const key of Object.keys(block)) if (NOT_ACTED_ON.has(key)) notActedOn.push(renderKeyPath([...at, 'use', key]));
      return block;
    };
    // SCRC 2020 items say `where:` (what the model asks for) and `use:` (what it gets).
    v.keys(item, at, scrc ? ['where', 'use'] : itemKeys);
    const where = scrc ? v.mapping(item.where, [...at, 'where'], 'where') : item;
    if (scrc) v.keys(where, [...at, 'where'], SCRC_WHERE_KEYS);
    const u = use(item, scrc ? SCRC_USE_KEYS : useKeys);
    const alias = v.string(where.data_product, [...at, ...(scrc ? ['where'] : []), 'data_product']);
    const namespaceAt = scrc || u.namespace !== undefined ? [...at, 'use', 'namespace'] : [...at, 'namespace'];
    const version = u.version ?? where.version;
    const versionAt = scrc || u.version !== undefined ? [...at, 'use', 'version'] : [...at, 'version'];
    return {
      item,
      use: u,
      alias,
      namespace: needNamespace(v.optionalString(u.namespace ?? where.namespace, namespaceAt) ?? defaultNamespace, at, which),
      name: v.optionalString(u.data_product, [...at, 'use', 'data_product']) ?? alias,
      version: version === undefined ? defaultVersion : v.version(version, versionAt),
    };
  };

  for (const [i, raw] of v.sequence(top.read, ['read']).entries()) {
    const at = ['read', i];
    const { item, use, alias, namespace, name, version } = itemCore(raw, at, 'input', READ_KEYS, READ_USE_KEYS);
    const where = scrc ? (item.where as Mapping) : item;
    const componentAt = use.component !== undefined ? [...at, 'use', 'component'] : [...at, ...(scrc ? ['where'] : []), 'component'];
    config.reads.push({
      alias,
      namespace,
      name,
      version,
      path: scrc ? v.optionalString(use.filename, [...at, 'use', 'filename']) : v.optionalPath(item.path, [...at, 'path']),
      description: scrc ? null : v.optionalString(item.description, [...at, 'description']),
      component: v.optionalString(use.component ?? where.component, componentAt) || null,
      at,
    });
  }

  for (const [i, raw] of v.sequence(top.write, ['write']).entries()) {
    const at = ['write', i];
    const { item, use, alias, namespace, name, version } = itemCore(raw, at, 'output', WRITE_KEYS, WRITE_USE_KEYS);
    if (scrc) {
      config.writes.push({
        alias,
        namespace,
        name,
        version,
        // SCRC 2020 names outputs by path: `outputs/*` matches any file below outputs/.
        path: v.optionalString(use.filename, [...at, 'use', 'filename']) ?? (alias.includes('*') ? alias : null),
        fileType: null,
        description: null,
        public: config.public,
        at,
      });
      continue;
    }
    const path = v.optionalPath(item.path, [...at, 'path']);
    const fileType = v.optionalString(item.file_type, [...at, 'file_type']);
    if (!fileType && !(path && /\.[^/.]+$/.test(path)) && !alias.includes('*')) {
      v.fail(at, `write item ${alias} has no file_type and its path has no extension`, 'add `file_type: csv` (or the right extension), or a `path:` ending in one');
    }
    config.writes.push({
      alias,
      namespace,
      name,
      version,
      path,
      fileType: fileType?.replace(/^\./, '') ?? null,
      description: v.optionalString(item.description, [...at, 'description']),
      public: v.optionalBoolean(item.public, [...at, 'public']) ?? config.public,
      at,
    });
  }

  if (!scrc && top.register !== undefined) {
    config.register = parseRegisterItems(v.sequence(top.register, ['register']), v, { configDir, defaultNamespace: defaultInputNamespace });
  }
  return config;
}

function hasWhereItems(list: unknown): boolean {
  return Array.isArray(list) && list.some((item) => item !== null && typeof item === 'object' && 'where' in item);
}

/** Type and key checks that throw ConfigError with the exact source position. */
class Validator {
  /** Take `1` and `1.0` as 1.0.0 (SCRC 2020 configs). */
  shortVersions = false;

  constructor(
    private readonly source: YamlSource,
    private readonly vars: VariableContext,
  ) {}

  fail(at: KeyPath, message: string, hint: string): never {
    throw new ConfigError(message, { position: this.source.position(at), key: renderKeyPath(at) || undefined, hint });
  }

  mapping(value: unknown, at: KeyPath, what: string): Mapping {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(at, `${what} must be a mapping of keys to values`, 'indent the keys under it as `key: value` lines');
    }
    return value as Mapping;
  }

  sequence(value: unknown, at: KeyPath): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(at, 'must be a list', 'write each item on its own line starting with `- `');
    return value;
  }

  keys(map: Mapping, at: KeyPath, allowed: readonly string[]): void {
    for (const key of Object.keys(map)) {
      if (allowed.includes(key)) continue;
      const guess = closest(key, allowed);
      this.fail(
        [...at, key],
        `unknown key ${key}`,
        guess ? `did you mean \`${guess}\`? Allowed here: ${allowed.join(', ')}` : `allowed here: ${allowed.join(', ')}`,
      );
    }
  }

  string(value: unknown, at: KeyPath): string {
    const s = this.optionalString(value, at);
    if (s === null || s === '') this.fail(at, 'a value is required here', 'give it a non-empty string');
    return s;
  }

  optionalString(value: unknown, at: KeyPath): string | null {
    if (value === undefined || value === null) return null;
    // YAML reads an unquoted date (release_date: 2021-09-20) as a timestamp.
    if (value instanceof Date) return value.toISOString();
    if (typeof value !== 'string' && typeof value !== 'number') {
      this.fail(at, `expected a string, found ${Array.isArray(value) ? 'a list' : typeof value}`, 'write a plain value (quote it if it contains `:` or `#`)');
    }
    try {
      return substitute(String(value), this.vars);
    } catch (err) {
      if (err instanceof UnknownVariableError) {
        this.fail(at, err.reason, 'known variables: DATE, DATETIME, DATETIME-<format>, USER, REPO_DIR, CONFIG_DIR, SOURCE_CONFIG, GIT_BRANCH, GIT_TAG, RUN_ID, LATEST, MAJOR, MINOR, PATCH');
      }
      throw err;
    }
  }

  optionalPath(value: unknown, at: KeyPath): string | null {
    const path = this.optionalString(value, at);
    if (path === null) return null;
    const clean = path.replace(/^\.?\/+/, '');
    if (clean === '' || clean.split('/').some((part) => part === '..' || part === '.fair')) {
      this.fail(at, `path ${path} must stay inside the mount and outside .fair/`, 'use a relative path such as inputs/data.csv');
    }
    return clean;
  }

  optionalBoolean(value: unknown, at: KeyPath): boolean | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value;
    if (value === 'True' || value === 'true') return true;
    if (value === 'False' || value === 'false') return false;
    return this.fail(at, `expected true or false, found ${JSON.stringify(value)}`, 'write `true` or `false`');
  }

  version(value: unknown, at: KeyPath): string {
    // FAIR-CLI strips a leading `v`: v1.0.0 and 1.0.0 are one version.
    let text = (this.optionalString(value, at) ?? '').replace(/^v(?=\d)/, '');
    // `latest` is what ${{LATEST}} is (FAIR-CLI's configs write both).
    if (/^latest$/i.test(text.trim())) text = '${{LATEST}}';
    if (this.shortVersions && /^\d+(\.\d+)?$/.test(text)) text = semver.coerce(text)!.version;
    if (versionExpression(text) || semver.valid(text)) return versionExpression(text) ? `\${{${versionExpression(text)}}}` : text;
    return this.fail(
      at,
      `version ${JSON.stringify(value)} is neither a semantic version nor a version expression`,
      'write a full version such as `0.1.0` (quoted if YAML reads it as a number) or ${{LATEST}} / ${{MAJOR}} / ${{MINOR}} / ${{PATCH}}',
    );
  }
}

function closest(word: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const option of options) {
    const d = editDistance(word, option);
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
