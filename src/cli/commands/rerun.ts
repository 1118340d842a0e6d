import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { rerunConfig } from '../../config/rerun.js';
import { MissingDataError, UsageError } from '../../errors.js';
import { describeDiff, diffObjects, productsByName, type ObjectDiff } from '../../provenance/diff.js';
import { Lineage } from '../../registry/lineage.js';
import { DataStore } from '../../store/store.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info, printJson } from '../output.js';
import { resolveSubject } from '../subject.js';

export interface RerunOptions {
  mount?: string;
  cwd?: string;
  json?: boolean;
}

/** Exit status when the rerun ran but an output came out different. */
const DIFFERS = 1;

interface OutputVerdict {
  product: string;
  verdict: 'reproduced' | 'differs' | 'not written';
  before: string;
  after: string | null;
  diff: ObjectDiff | null;
}

/**
 * `fairfs rerun RUN`: mount the run's exact input versions again, run its
 * recorded command, and say per output whether it reproduces byte for byte
 * (for core formats, which components differ). The new run names the old one.
 */
export default async function rerun(g: GlobalOptions, what: string, o: RerunOptions): Promise<number> {
  const { home, registry } = openHome(g);
  const lineage = new Lineage(registry.db);
  const subject = resolveSubject(registry, lineage, what);
  if (subject.kind !== 'run') throw new UsageError('fairfs rerun takes a run id', { hint: '`fairfs runs` lists them' });
  const original = registry.getSession(subject.runId)!;
  if (original.status === 'recorded' || !original.workingConfig) {
    throw new MissingDataError(`run ${original.runId} was recorded through the registry API; fairfs has no working config or command to repeat`);
  }
  if (!original.command) throw new MissingDataError(`run ${original.runId} has no recorded command`, { hint: 'only runs made with `fairfs run` can be repeated' });

  const dir = join(home.root, 'reruns');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, `${original.runId.slice(0, 12)}-${Date.now()}-${process.pid}.yaml`);
  writeFileSync(config, rerunConfig(original.workingConfig, original.runId));
  // The model's files are where its config was, unless told otherwise.
  const sourceDir = original.configPath ? dirname(original.configPath) : null;
  const cwd = resolve(o.cwd ?? (sourceDir && existsSync(sourceDir) ? sourceDir : process.cwd()));
  info(`fairfs: rerunning ${original.runId} in ${cwd}: ${original.command}`);

  // The same CLI that runs this command (the bundle, or the compiled modules when run from them).
  const cli = process.argv[1]!;
  const args = [cli, ...(g.home ? ['--home', g.home] : []), ...(g.backend ? ['--backend', g.backend] : []), 'run', config, ...(o.mount ? ['--mount', o.mount] : []), '--', 'sh', '-c', original.command];
  const status = await new Promise<number>((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['inherit', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code, signal) => done(code ?? 128 + (signal ? 15 : 0)));
  });
  const made = registry.listSessions().filter((s) => s.configPath === config).at(-1);
  if (!made) {
    info(`fairfs: the rerun did not start (exit ${status})`);
    return status || 70;
  }
  registry.setRerunOf(made.runId, original.runId);
  if (made.status !== 'completed') {
    info(`fairfs: the rerun ${made.runId} ${made.status}${made.exitCode !== null ? ` (exit ${made.exitCode})` : ''}: it does not reproduce run ${original.runId}`);
    return status || DIFFERS;
  }

  const before = productsByName(lineage, lineage.run(original.codeRunId)!.outputs);
  const after = productsByName(lineage, lineage.run(made.codeRunId)!.outputs);
  const store = new DataStore(home.dataStore);
  const verdicts: OutputVerdict[] = [];
  for (const [product, old] of before) {
    const now = after.get(product);
    if (!now) {
      verdicts.push({ product, verdict: 'not written', before: old.version, after: null, diff: null });
      continue;
    }
    const diff = await diffObjects(lineage, store, old.objectId, now.objectId);
    verdicts.push({ product, verdict: diff.identical ? 'reproduced' : 'differs', before: old.version, after: now.version, diff: diff.identical ? null : diff });
  }
  const reproduced = verdicts.every((v) => v.verdict === 'reproduced');
  if (o.json) {
    printJson({ run: original.runId, rerun: made.runId, reproduced, outputs: verdicts });
  } else {
    const lines = [`rerun ${made.runId} of ${original.runId}`];
    for (const v of verdicts) {
      const changed = v.diff ? [...v.diff.components.changed, ...v.diff.components.added, ...v.diff.components.removed] : [];
      lines.push(`  ${v.verdict.padEnd(11)} ${v.product} ${v.before} → ${v.after ?? '-'}${changed.length ? `  (components differ: ${changed.join(', ')})` : ''}`);
      if (v.diff) lines.push(...describeDiff(v.diff).map((l) => `      ${l}`));
    }
    for (const [product, p] of after) if (!before.has(product)) lines.push(`  ${'new'.padEnd(11)} ${product} ${p.version} (the original did not write it)`);
    lines.push(reproduced ? 'reproduced: every output is byte for byte the same' : `does not reproduce: ${verdicts.filter((v) => v.verdict !== 'reproduced').length} of ${verdicts.length} output(s) differ`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return reproduced ? 0 : DIFFERS;
}
