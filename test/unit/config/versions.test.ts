import t from 'tap';
import { highestVersion, nextWriteVersion, resolveWriteVersion } from '../../../src/config/versions.js';
import { globToRegExp } from '../../../src/config/resolve.js';

t.test('version expressions', async (t) => {
  t.equal(highestVersion(['0.1.0', '0.10.0', '0.9.1']), '0.10.0', 'semver order, not string order');
  t.equal(highestVersion([]), null);
  t.equal(nextWriteVersion('PATCH', []), '0.0.1');
  t.equal(nextWriteVersion('PATCH', ['0.0.1', '0.0.2']), '0.0.3');
  t.equal(nextWriteVersion('MINOR', ['1.2.3']), '1.3.0');
  t.equal(nextWriteVersion('MAJOR', ['1.2.3']), '2.0.0');
  t.equal(nextWriteVersion('LATEST', ['1.2.3']), '1.2.3');
  t.equal(resolveWriteVersion('${{PATCH}}', ['0.0.1']), '0.0.2');
  t.equal(resolveWriteVersion('2.0.0', ['0.0.1']), '2.0.0', 'explicit versions are taken as written');
});

t.test('write globs stay inside one path segment', async (t) => {
  const g = globToRegExp('outputs/output_step1_*.txt');
  t.ok(g.test('outputs/output_step1_25-11-2026_13-00-00.txt'));
  t.notOk(g.test('outputs/output_step1_a/b.txt'));
  t.notOk(g.test('outputs/output_step2_x.txt'));
  t.equal(globToRegExp('a.b(*)').exec('a.b(x)')?.[1], 'x', 'regex characters are literal');
});
