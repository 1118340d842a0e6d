import t from 'tap';
import { globToRegExp, type ResolvedWrite, type WorkingConfig } from '../../../src/config/resolve.js';
import { planOutputs } from '../../../src/session/plan-outputs.js';

const write = (w: Partial<ResolvedWrite> & Pick<ResolvedWrite, 'path' | 'name'>): ResolvedWrite => ({
  alias: w.name,
  namespace: 'ns',
  version: '0.0.1',
  versionSpec: '${{PATCH}}',
  glob: w.path.includes('*') || w.name.includes('*') ? globToRegExp(w.path) : null,
  extension: 'csv',
  description: null,
  public: true,
  ...w,
});
const working = (writes: ResolvedWrite[]): WorkingConfig => ({
  description: '',
  format: 'fair',
  sourceConfig: '/c.yaml',
  defaultOutputNamespace: 'out',
  writeDataStore: null,
  undeclaredWrites: 'register',
  reads: [],
  writes,
});

t.test('declared, globbed and undeclared outputs', async (t) => {
  const plan = planOutputs(
    ['results/a.csv', 'outputs/output_step1_25-11-2026.txt', 'stray/notes.md', 'runs/x.csv'],
    working([
      write({ path: 'results/a.csv', name: 'sir/a' }),
      write({ path: 'outputs/output_step1_*.txt', name: 'sir/step1', extension: 'txt' }),
      write({ path: 'runs/*', name: 'runs/*', versionSpec: '1.0.0' }),
    ]),
    'RUNID',
    'user',
  );
  const byPath = new Map(plan.outputs.map((o) => [o.path, o]));
  t.match(byPath.get('results/a.csv'), { namespace: 'ns', name: 'sir/a', declared: true });
  t.match(byPath.get('outputs/output_step1_25-11-2026.txt'), { name: 'sir/step1', extension: 'txt', declared: true }, 'a timestamped name maps to one product');
  t.match(byPath.get('runs/x.csv'), { name: 'runs/x', versionSpec: '1.0.0' }, '`*` in the name takes the matched stem');
  t.match(byPath.get('stray/notes.md'), { namespace: 'out', name: 'stray/notes', versionSpec: '${{PATCH}}', declared: false });
  t.equal(plan.warnings.length, 1);
  t.match(plan.warnings[0], /undeclared output stray\/notes\.md/);
});

t.test('several files matching one glob become <name>/<stem> with a warning', async (t) => {
  const plan = planOutputs(['o/r_1.txt', 'o/r_2.txt'], working([write({ path: 'o/r_*.txt', name: 'sir/r' })]), 'RUNID', 'user');
  t.same(plan.outputs.map((o) => o.name).sort(), ['sir/r/r_1', 'sir/r/r_2']);
  t.equal(plan.warnings.length, 2);
});

t.test('RUN_ID in a write name is replaced at finalise', async (t) => {
  const plan = planOutputs(['a.csv'], working([write({ path: 'a.csv', name: 'run_${{RUN_ID}}' })]), 'abc123', 'user');
  t.equal(plan.outputs[0]!.name, 'run_abc123');
});
