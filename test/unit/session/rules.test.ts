import t from 'tap';
import { globToRegExp, type ResolvedRead, type ResolvedWrite, type WorkingConfig } from '../../../src/config/resolve.js';
import { Callers } from '../../../src/session/callers.js';
import { RunRules, type Target } from '../../../src/session/rules.js';
import type { Caller } from '../../../src/vfs/served-fs.js';

/*
 * The run's rules apart from any filesystem: every backend asks the same
 * questions and must get the same answers.
 */

const read = { namespace: 'ns', name: 'data', version: '1.0.0', dataProductId: 7 } as ResolvedRead;
const slot = { alias: 'results', path: 'out/*.csv', glob: globToRegExp('out/*.csv') } as ResolvedWrite;
const working = (undeclaredWrites: 'accept' | 'reject'): WorkingConfig => ({ reads: [], writes: [slot], undeclaredWrites }) as unknown as WorkingConfig;
const me: Caller = { pid: process.pid, uid: 0, gid: 0, umask: 0o22 };
const input: Target = { kind: 'input', read };
const newOutput = (inControl = false): Target => ({ kind: 'new-output', inControl });

t.test('inputs read, never change', async (t) => {
  const rules = new RunRules(working('accept'), new Callers('run'));
  t.same(rules.decide('/in.csv', input, me, false), { kind: 'input', read, outside: null });
  t.same(rules.decide('/in.csv', input, me, true), {
    kind: 'refused',
    errno: 'EACCES',
    reason: 'input ns:data@1.0.0 is read-only: a run may not modify registered data',
    dataProduct: 7,
  });
  t.match(rules.decide('/.fair/run.json', { kind: 'control' }, me, true), { kind: 'refused', errno: 'EACCES', reason: '/.fair/run.json is read-only' });
  t.match(rules.decide('/.fair/x', newOutput(true), me, true), { kind: 'refused', reason: '.fair/ is read-only' });
  t.match(rules.decide('/.fair/d', { kind: 'new-entry', inControl: true }, me, true), { kind: 'refused', reason: '.fair/ is read-only' });
  t.same(rules.decide('/mine', { kind: 'writable' }, me, true), { kind: 'allowed', outside: null });
});

t.test('a new output gets its declared slot; undeclared ones follow the policy', async (t) => {
  const accepting = new RunRules(working('accept'), new Callers('run'));
  t.same(accepting.decide('/out/a.csv', newOutput(), me, true), { kind: 'allowed', slot, outside: null });
  t.same(accepting.decide('elsewhere.txt', newOutput(), me, true), { kind: 'allowed', outside: null });
  const strict = new RunRules(working('reject'), new Callers('run'));
  t.same(strict.decide('/out/b.csv', newOutput(), me, true), { kind: 'allowed', slot, outside: null });
  t.match(strict.decide('elsewhere.txt', newOutput(), me, true), { kind: 'refused', errno: 'EACCES', reason: /undeclared write to elsewhere.txt refused/ });
  t.same(strict.decide('work', { kind: 'new-entry', inControl: false }, me, true), { kind: 'allowed', outside: null }, 'a folder is not an output');
});

t.test('processes outside a followed run read as outside and change nothing', async (t) => {
  const callers = new Callers('run-x');
  const rules = new RunRules(working('accept'), callers);
  // Follow a process that is not an ancestor of this test's parent: the parent (pid 1 or a shell) is outside.
  callers.follow(process.pid);
  const stranger: Caller = { pid: process.ppid, uid: 0, gid: 0, umask: 0o22 };
  const reading = rules.decide('/in.csv', input, stranger, false);
  t.equal(reading.kind, 'input');
  t.match(reading, { outside: new RegExp(`^pid ${process.ppid} \\(.*\\) is not part of the run$`) });
  t.match(rules.decide('/new.csv', newOutput(), stranger, true), { kind: 'refused', errno: 'EACCES', reason: /is not part of the run; only the run's processes may change its files$/ });
  t.same(rules.decide('/new.csv', newOutput(), me, true), { kind: 'allowed', outside: null }, 'the followed process itself belongs');
  t.same(rules.decide('/in.csv', input, null, false), { kind: 'input', read, outside: null }, 'an unknown caller is counted (the backend cannot say)');
});
