import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MissingDataError } from '../errors.js';
import type { Home } from '../home.js';
import { Lineage } from '../registry/lineage.js';
import type { Registry, RunLink, SessionRecord } from '../registry/registry.js';
import { runIdFor } from './session.js';

export interface RunDescription {
  run_id: string;
  uuid: string;
  status: SessionRecord['status'];
  description: string;
  started: string;
  ended: string | null;
  exit_code: number | null;
  message: string | null;
  config: string;
  command: string | null;
  code_repo: string | null;
  code_commit: string | null;
  host: string;
  user: string;
  mountpoint: string | null;
  model_config: { path: string; hash: string } | null;
  submission_script: { path: string; hash: string } | null;
  inputs: Link[];
  outputs: Link[];
  refusals: { time: string; op: string; path: string; reason: string | null }[];
  /** The processes that made the run's accesses (pid and command line), and those outside the run. */
  processes: { pid: number; command: string; accesses: number; outside: boolean }[];
  /** Whether SHA-1(config bytes ‖ start time) is the run id; null when the bytes were not kept (older or API runs). */
  run_id_verified: boolean | null;
  /** Issues raised against the run's outputs (e.g. a core-format file that did not parse). */
  issues: { product: string; component: string; severity: number; description: string }[];
  /** Outputs of a failed or aborted run, kept out of the registry: where each is and its hash. */
  quarantined: { path: string; file: string; sha1: string; size: number }[];
  /** The run `fairfs rerun` repeated to make this one. */
  rerun_of: string | null;
}

interface Link {
  product: string;
  component: string;
  hash: string;
  path: string;
}

const toLink = (l: RunLink): Link => ({
  product: `${l.namespace}:${l.name}@${l.version}`,
  component: l.component,
  hash: l.hash,
  path: l.path,
});

/** Everything `fairfs show` prints about one run, as data. */
export function describeRun(registry: Registry, home: Home, runIdOrPrefix: string): RunDescription {
  const s = registry.getSession(runIdOrPrefix);
  if (!s) throw new MissingDataError(`no code run ${runIdOrPrefix} in the local registry`, { hint: 'list runs with `fairfs runs`' });
  const objects = registry.codeRunObjects(s.codeRunId);
  const config = registry.objectFile(objects.modelConfig);
  const script = registry.objectFile(objects.submissionScript);
  return {
    run_id: s.runId,
    uuid: s.uuid,
    status: s.status,
    description: s.description,
    started: s.startedAt,
    ended: s.endedAt,
    exit_code: s.exitCode,
    message: s.message,
    config: s.configPath,
    command: s.command,
    code_repo: s.codeRepo,
    code_commit: s.codeCommit,
    host: s.host,
    user: s.user,
    mountpoint: s.mountpoint,
    model_config: config ? { path: config.path, hash: config.hash } : null,
    submission_script: script ? { path: script.path, hash: script.hash } : null,
    inputs: registry.runLinks(s.codeRunId, 'input').map(toLink),
    outputs: registry.runLinks(s.codeRunId, 'output').map(toLink),
    run_id_verified: verifyRunId(registry, s),
    issues: issuesOf(registry, s.codeRunId),
    quarantined: quarantinedOf(home, s.runId),
    rerun_of: s.rerunOf,
    processes: processesOf(registry.accesses(s.runId)),
    refusals: registry
      .accesses(s.runId)
      .filter((a) => a.outcome === 'refused' || a.outcome === 'error')
      .map((a) => ({ time: a.time, op: a.op, path: a.path, reason: a.reason })),
  };
}

function issuesOf(registry: Registry, codeRunId: number): RunDescription['issues'] {
  const lineage = new Lineage(registry.db);
  const run = lineage.run(codeRunId);
  const out: RunDescription['issues'] = [];
  for (const objectId of lineage.byObject(run?.outputs ?? []).keys()) {
    const o = lineage.object(objectId)!;
    const product = o.dataProducts.map((p) => `${p.namespace}:${p.name}@${p.version}`).join(', ');
    for (const i of o.issues) out.push({ product, component: i.component, severity: i.severity, description: i.description });
  }
  return out;
}

/** The quarantine manifest of a run, as finalise or recovery wrote it. */
function quarantinedOf(home: Home, runId: string): RunDescription['quarantined'] {
  const dir = join(home.quarantine, runId);
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return [];
  try {
    const rows = JSON.parse(readFileSync(file, 'utf8')) as { path?: string; staging?: string; file?: string; sha1: string; size: number }[];
    return rows.map((r) => ({
      path: r.path ?? `(staged as ${r.staging})`,
      file: join(dir, r.file ?? join('files', r.staging ?? '')),
      sha1: r.sha1,
      size: r.size,
    }));
  } catch {
    return [];
  }
}

/** The run id proves which config bytes started the run, and when. */
function verifyRunId(registry: Registry, s: SessionRecord): boolean | null {
  const bytes = registry.configBytes(s.runId);
  return bytes === null ? null : runIdFor(bytes, new Date(s.startedAt)) === s.runId;
}

function processesOf(rows: ReturnType<Registry['accesses']>): RunDescription['processes'] {
  const by = new Map<string, RunDescription['processes'][number]>();
  for (const a of rows) {
    if (a.pid === null) continue;
    const key = `${a.pid} ${a.command}`;
    const p = by.get(key) ?? { pid: a.pid, command: a.command ?? '?', accesses: 0, outside: false };
    p.accesses++;
    if (a.outcome === 'outside') p.outside = true;
    by.set(key, p);
  }
  return [...by.values()];
}
