import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { ConfigError, UsageError } from '../errors.js';
import type { Home } from '../home.js';
import { readSettings } from '../home.js';

export interface Remote {
  /** The API root, normalised to end in `/api/`; also the key of sync journals. */
  apiUrl: string;
  token: string | null;
  /** A transfer with no byte for this long is given up (settings `transfer_idle_timeout`, seconds). */
  idleTimeoutMs: number;
}

export const DEFAULT_IDLE_TIMEOUT_S = 60;

interface RemoteSetting {
  url: string;
  token_file?: string;
}

/** Normalise `http://host:port`, `…/api` or `…/api/` to `…/api/`. */
export function normaliseApiUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${url} is not a URL`, { hint: 'give a registry URL such as http://127.0.0.1:8000/api/' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${url}: only http and https registries are supported`);
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = path.endsWith('/api') ? `${path}/` : `${path}/api/`;
  u.search = '';
  return u.toString();
}

function safeNormalise(url: string): string | null {
  try {
    return normaliseApiUrl(url);
  } catch {
    return null;
  }
}

/**
 * Which remote a command talks to: `--remote` (a name from settings.yaml or a
 * URL), else the config's `remote_data_registry_url`, else the settings'
 * default. The token comes from FAIRFS_TOKEN or the remote's token_file and is
 * never printed.
 */
export function resolveRemote(home: Home, requested: string | undefined, configUrl: string | null, env: NodeJS.ProcessEnv = process.env): Remote {
  const settings = readSettings(home) as ReturnType<typeof readSettings> & {
    remotes?: Record<string, RemoteSetting>;
    default_remote?: string;
    transfer_idle_timeout?: unknown;
  };
  const idle = settings.transfer_idle_timeout ?? DEFAULT_IDLE_TIMEOUT_S;
  if (typeof idle !== 'number' || !(idle > 0)) {
    throw new ConfigError(`transfer_idle_timeout in ${home.settingsFile} must be a number of seconds above 0, not ${JSON.stringify(idle)}`, {
      hint: `e.g. transfer_idle_timeout: ${DEFAULT_IDLE_TIMEOUT_S}`,
    });
  }
  const remotes = settings.remotes ?? {};
  let setting: RemoteSetting | undefined;
  if (requested && /^https?:\/\//.test(requested)) setting = { url: requested };
  else if (requested) {
    setting = remotes[requested];
    if (!setting) {
      throw new ConfigError(`no remote named ${requested} in ${home.settingsFile}`, {
        hint: `add it under remotes: (${requested}: {url: http://…/api/, token_file: …}) or pass a URL to --remote`,
      });
    }
  } else if (configUrl) {
    // A URL that settings know by name brings that remote's token file along.
    const wanted = normaliseApiUrl(configUrl);
    setting = Object.values(remotes).find((r) => typeof r?.url === 'string' && safeNormalise(r.url) === wanted) ?? { url: configUrl };
  }
  else if (settings.default_remote && remotes[settings.default_remote]) setting = remotes[settings.default_remote];
  else if (Object.keys(remotes).length === 1) setting = Object.values(remotes)[0];
  if (!setting?.url) {
    throw new UsageError('no remote registry given', {
      hint: `pass --remote NAME|URL, or add remotes: (and default_remote:) to ${home.settingsFile}`,
    });
  }
  let token = env.FAIRFS_TOKEN?.trim() || null;
  if (!token && setting.token_file) {
    const file = setting.token_file.replace(/^~(?=\/)/, homedir());
    try {
      token = readFileSync(file, 'utf8').trim() || null;
    } catch (err) {
      throw new ConfigError(`cannot read the token file ${file}: ${(err as Error).message}`, { hint: 'create it with `fairfs registry token create` on the server' });
    }
  }
  return { apiUrl: normaliseApiUrl(setting.url), token, idleTimeoutMs: idle * 1000 };
}
