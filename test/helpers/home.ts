import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { exampleDir, fairfs } from './cli.js';

export interface TestHome {
  /** The fairfs home (FAIRFS_HOME). */
  home: string;
  /** A scratch folder for configs, mountpoints and programs. */
  dir: string;
  /** A copy of the example model folder (configs, model.py, data/). */
  example: string;
}

const testDirs = new WeakMap<Test, string>();

/** A fresh folder per call under the test's fixture dir (t.testdir() wipes it when called twice). */
function freshDir(t: Test): string {
  let base = testDirs.get(t);
  if (!base) {
    base = t.testdir({});
    testDirs.set(t, base);
  }
  return mkdtempSync(join(base, 'h'));
}

/** A temp fairfs home with nothing registered; each call gets its own folder. */
export function emptyHome(t: Test): TestHome {
  const dir = freshDir(t);
  const home = join(dir, 'home');
  const example = join(dir, 'example');
  mkdirSync(example, { recursive: true });
  cpSync(exampleDir, example, { recursive: true });
  return { home, dir, example };
}

/** A temp fairfs home with the example's two inputs registered. */
export async function exampleHome(t: Test): Promise<TestHome> {
  const h = emptyHome(t);
  for (const [file, ref] of [
    ['population.csv', 'SCRC:human/population@0.1.0'],
    ['parameters.toml', 'SCRC:sir/parameters@1.0.0'],
  ] as const) {
    const r = await fairfs(h.home, ['add', join(h.example, 'data', file), ref]);
    if (r.code !== 0) throw new Error(`fairfs add failed: ${r.stderr}`);
  }
  return h;
}
