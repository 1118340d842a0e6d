import * as yaml from 'js-yaml';
import { ConfigError } from '../errors.js';

/*
 * The config of a rerun, made from a run's stored working config: the same
 * exact input versions (registered data never changes, so the same bytes),
 * the same write items at the next free version, and a description that
 * says what it repeats.
 */

type Item = Record<string, unknown> & { use?: Record<string, unknown> };

export function rerunConfig(workingConfig: string, runId: string): string {
  let doc: Record<string, unknown>;
  try {
    doc = yaml.load(workingConfig) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`the working config of run ${runId} does not parse: ${(err as Error).message.split('\n')[0]}`, { hint: 'this run cannot be repeated from its record' });
  }
  if (!doc || typeof doc !== 'object') throw new ConfigError(`run ${runId} has no working config`, { hint: 'only runs fairfs made can be repeated' });
  const meta = { ...((doc.run_metadata as Record<string, unknown>) ?? {}) };
  // What the resolver wrote for the record, not config keys.
  for (const key of ['source_config', 'format']) delete meta[key];
  meta.description = `rerun of ${runId.slice(0, 12)}: ${String(meta.description ?? '')}`.trim();
  const read = ((doc.read as Item[]) ?? []).map(({ hash: _hash, ...item }) => item);
  const write = ((doc.write as Item[]) ?? []).map((item) => {
    const use = { ...(item.use ?? {}) };
    delete use.version;
    return { ...item, use };
  });
  const out: Record<string, unknown> = { run_metadata: meta };
  if (read.length) out.read = read;
  if (write.length) out.write = write;
  if (doc.register) out.register = doc.register;
  return `# fairfs rerun of ${runId}: the original run's inputs, exactly; its outputs at new versions\n${yaml.dump(out, { lineWidth: 120 })}`;
}
