import t from 'tap';
import { compareCsv, compareToml, parseCsv } from '../../../src/formats/compare.js';

t.test('CSV fields as RFC 4180 has them: quotes, doubled quotes, commas and newlines inside quotes, CRLF', async (t) => {
  t.same(parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",3\n'), [
    ['a', 'b'],
    ['x, y', 'say "hi"'],
    ['two\nlines', '3'],
  ]);
  t.same(parseCsv('a,b'), [['a', 'b']], 'no final newline');
  t.same(parseCsv(''), [], 'empty');
});

t.test('CSV rows are matched by a unique first column, else by position', async (t) => {
  const byKey = compareCsv('region,n\nglasgow,1\nedinburgh,2\n', 'region,n\nedinburgh,3\nglasgow,1\ndundee,4\n');
  t.equal(byKey.matchedBy, 'first column');
  t.same(byKey.added, [['dundee', '4']]);
  t.same(byKey.removed, []);
  t.same(byKey.changed, [{ key: 'edinburgh', cells: [{ column: 'n', before: '2', after: '3' }] }], 'reordering is no change');
  const byPosition = compareCsv('day,n\n1,5\n1,6\n', 'day,n\n1,5\n1,7\n2,8\n');
  t.equal(byPosition.matchedBy, 'position', 'a repeated first column is no key');
  t.same(byPosition.changed, [{ key: 'row 2', cells: [{ column: 'n', before: '6', after: '7' }] }]);
  t.same(byPosition.added, [['2', '8']]);
  t.same(compareCsv('a,b\n1,2\n', 'a,c\n1,2\n').header, { before: ['a', 'b'], after: ['a', 'c'] }, 'a changed header');
});

t.test('TOML values by dotted key path: changed, added, removed; null when a side does not parse', async (t) => {
  const a = '[beta]\ntype = "point-estimate"\nvalue = 0.32\n[gamma]\nvalue = 0.1\n';
  const b = '[beta]\ntype = "point-estimate"\nvalue = 0.35\n[delta]\nvalue = [1, 2]\n';
  t.same(compareToml(a, b), [
    { key: 'beta.value', before: '0.32', after: '0.35' },
    { key: 'delta.value', before: null, after: '[1,2]' },
    { key: 'gamma.value', before: '0.1', after: null },
  ]);
  t.same(compareToml(a, a), [], 'no differences');
  t.equal(compareToml(a, 'not [toml'), null);
});
