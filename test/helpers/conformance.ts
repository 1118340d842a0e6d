import type { Test } from 'tap';
import type { Session } from '../../src/session/session.js';
import { INPUT_TEXT } from './session.js';

/** The file operations a conformance scenario needs; one driver per way of reaching a session. */
export interface Driver {
  write(path: string, data: string): Promise<void>;
  append(path: string, data: string): Promise<void>;
  read(path: string): Promise<string>;
  size(path: string): Promise<number>;
  list(path: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  openForWrite(path: string): Promise<void>;
}

/** The errno name an operation failed with, or null when it worked. */
async function errorOf(op: () => Promise<unknown>): Promise<string | null> {
  try {
    await op();
    return null;
  } catch (err) {
    return (err as { errno?: string | number; code?: string }).code ?? String((err as { errno?: string }).errno);
  }
}

/**
 * One conformance suite, two drivers (rclone's vfstest): the same POSIX and
 * provenance expectations hold on the VFS directly and through a real mount.
 */
export async function conformance(t: Test, d: Driver, session: Session): Promise<void> {
  t.equal(await d.read('in/data.csv'), INPUT_TEXT, 'an input reads as registered');
  t.equal(await d.size('in/data.csv'), INPUT_TEXT.length, 'with its true size');
  t.same((await d.list('')).sort(), ['.fair', 'in', 'results'], 'root lists inputs, implicit output folders and .fair');

  t.equal(await errorOf(() => d.openForWrite('in/data.csv')), 'EACCES', 'opening an input for writing: EACCES');
  t.equal(await errorOf(() => d.unlink('in/data.csv')), 'EACCES', 'unlinking an input: EACCES');
  t.equal(await errorOf(() => d.rename('in/data.csv', 'x.csv')), 'EACCES', 'renaming an input: EACCES');
  t.equal(await errorOf(() => d.write('.fair/mine', 'x')), 'EACCES', '.fair/ is read-only');
  t.equal(await errorOf(() => d.read('nope.txt')), 'ENOENT', 'a missing path: ENOENT');
  t.equal(await d.read('in/data.csv'), INPUT_TEXT, 'the input is unchanged');

  await d.write('results/table.csv', 'a,b\n');
  await d.append('results/table.csv', '1,2\n');
  t.equal(await d.read('results/table.csv'), 'a,b\n1,2\n', 'write then append reads back');

  await d.write('results/.table.tmp', 'a,b\n3,4\n');
  await d.rename('results/.table.tmp', 'results/table.csv');
  t.equal(await d.read('results/table.csv'), 'a,b\n3,4\n', 'temp-file-then-rename replaces the output');

  await d.mkdir('work');
  await d.write('work/scratch.txt', 'x');
  t.equal(await errorOf(() => d.rmdir('work')), 'ENOTEMPTY', 'rmdir of a non-empty folder: ENOTEMPTY');
  await d.unlink('work/scratch.txt');
  await d.rmdir('work');
  t.notOk((await d.list('')).includes('work'), 'the folder is gone');

  t.same(
    session.vfs.outputs().map((o) => o.path),
    ['results/table.csv'],
    'only the final output remains to be registered',
  );
  session.recorder.flush();
  const log = session.registry.accesses(session.runId);
  t.ok(log.some((a) => a.op === 'open' && a.outcome === 'ok' && a.component === 'whole_object'), 'the input read is journalled');
  t.ok(log.filter((a) => a.outcome === 'refused').length >= 4, 'every refusal is journalled with its reason');
}
