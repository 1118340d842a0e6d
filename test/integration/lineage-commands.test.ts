import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { exec, fairfs, fairfsJson, projectRoot } from '../helpers/cli.js';
import { chainRun, lastRun, modelHome } from '../helpers/lineage.js';

// impact, diff, rerun, show and push --dry-run over real runs of real mounts.

const h = await modelHome(t);

async function ok(args: string[], cwd?: string): Promise<string> {
  const r = await fairfs(h.home, args, cwd ? { cwd } : {});
  if (r.code !== 0) throw new Error(`fairfs ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

t.test('impact finds every run downstream of a product, three levels deep and more', async (t) => {
  const r1 = await chainRun(h, 'sir-demo:sir/trajectory@0.0.1', 'level1');
  const r2 = await chainRun(h, 'chain:level1@0.0.1', 'level2');
  const r3 = await chainRun(h, 'chain:level2@0.0.1', 'level3');
  const rows = await fairfsJson<{ level: number; run_id: string; via: string[]; outputs: string[] }[]>(h.home, ['impact', 'sir-demo:sir/trajectory@0.0.1']);
  t.same(
    rows.map((r) => [r.level, r.run_id, r.outputs]),
    [
      [1, r1, ['chain:level1@0.0.1']],
      [2, r2, ['chain:level2@0.0.1']],
      [3, r3, ['chain:level3@0.0.1']],
    ],
    'one run on each level, with what it wrote',
  );
  t.same(rows[2]!.via, ['chain:level2@0.0.1'], 'and what it read on the way');
  const fromInput = await fairfsJson<{ level: number; run_id: string }[]>(h.home, ['impact', 'SCRC:human/population@0.1.0']);
  t.same(fromInput.map((r) => r.level), [1, 2, 3, 4], 'from an input of the model: the model run, then the chain');
  t.equal(fromInput[0]!.run_id, h.runId);
  t.same((await fairfsJson<unknown[]>(h.home, ['impact', 'SCRC:human/population@0.1.0', '--depth', '2'])).length, 2, '--depth stops early');

  const table = await fairfs(h.home, ['impact', 'sir-demo:sir/trajectory@0.0.1']);
  t.match(table.stdout, /^LEVEL\s+RUN\s+STATUS/);
  t.match(table.stderr, /3 run\(s\) and 3 output\(s\) downstream of sir-demo:sir\/trajectory@0\.0\.1, 3 level\(s\) deep/);
  const leaf = await fairfs(h.home, ['impact', 'chain:level3@0.0.1']);
  t.match(leaf.stderr, /nothing depends on chain:level3@0\.0\.1/);
  const picture = await ok(['impact', 'sir-demo:sir/trajectory@0.0.1', '--format', 'dot']);
  for (const id of [r1, r2, r3]) t.match(picture, `run ${id.slice(0, 12)}`, 'each downstream run is in the picture');
  t.equal((await fairfs(h.home, ['impact', h.runId])).code, 66, 'impact takes a product, not a run');
});

t.test('diff names the changed TOML value, the added and changed CSV rows, and HDF5 shapes and statistics', async (t) => {
  const p2 = join(h.dir, 'parameters.toml');
  writeFileSync(p2, (await exec('cat', [join(h.example, 'data', 'parameters.toml')])).stdout.replace('value = 0.32', 'value = 0.35'));
  await ok(['add', p2, 'SCRC:sir/parameters@1.0.1']);
  const toml = await ok(['diff', 'SCRC:sir/parameters@1.0.0', 'SCRC:sir/parameters@1.0.1']);
  t.match(toml, /~ beta\.value: 0\.32 → 0\.35/, 'the changed value by its key');
  t.notMatch(toml, /gamma/, 'nothing about what did not change');

  const csv = (await exec('cat', [join(h.example, 'data', 'population.csv')])).stdout;
  const rows = csv.trim().split('\n');
  const changed = [rows[0], rows[1]!.replace(/,\d+$/, ',1'), ...rows.slice(2), 'newtown,1234'].join('\n') + '\n';
  writeFileSync(join(h.dir, 'population.csv'), changed);
  await ok(['add', join(h.dir, 'population.csv'), 'SCRC:human/population@0.1.1']);
  const out = await ok(['diff', 'SCRC:human/population@0.1.0', 'SCRC:human/population@0.1.1']);
  t.match(out, /rows matched by first column: 1 added, 0 removed, 1 changed/);
  t.match(out, /\+ row newtown,1234/, 'the added row');
  t.match(out, new RegExp(`~ ${rows[1]!.split(',')[0]}: \\w+ \\d+ → 1`), 'the changed cell, by row key and column');
  const json = JSON.parse(await ok(['diff', 'SCRC:human/population@0.1.0', 'SCRC:human/population@0.1.1', '--json']));
  t.same(json.csv.added, [['newtown', '1234']]);

  const writer = join(projectRoot, 'test', 'fixtures', 'write_h5.mjs');
  for (const [file, flags] of [['a.h5', []], ['b.h5', ['--labelled', '--bigger']]] as const) {
    const w = await exec(process.execPath, [writer, join(h.dir, file), ...flags], { cwd: projectRoot });
    t.equal(w.code, 0, w.stderr);
  }
  await ok(['add', join(h.dir, 'a.h5'), 'SCRC:cases@1.0.0']);
  await ok(['add', join(h.dir, 'b.h5'), 'SCRC:cases@1.1.0']);
  const h5 = await ok(['diff', 'SCRC:cases@1.0.0', 'SCRC:cases@1.1.0']);
  t.match(h5, /\+ component cases\/by_age/, 'the added array');
  t.match(h5, /~ cases\/by_region: array 2×3, min 1, max 6, mean 3\.5 → array 3×3, min 1, max 90, mean 14/, 'shape and summary statistics');
  t.notMatch(h5, /params/, 'the unchanged table is not listed');

  t.match(await ok(['diff', 'SCRC:sir/parameters@1.0.0', 'SCRC:sir/parameters@1.0.0']), /identical \(same SHA-1\)/);
  t.equal((await fairfs(h.home, ['diff', 'SCRC:sir/parameters@1.0.0', h.runId])).code, 64, 'a product and a run do not compare');
});

t.test('rerun of the example model says reproduced, and the new run links to the old one', async (t) => {
  const r = await fairfs(h.home, ['rerun', h.runId]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /reproduced\s+sir-demo:sir\/summary 0\.0\.1 → 0\.0\.2/);
  t.match(r.stdout, /reproduced: every output is byte for byte the same/);
  const again = await lastRun(h.home);
  t.not(again.run_id, h.runId);
  const shown = JSON.parse(await ok(['show', again.run_id, '--json']));
  t.equal(shown.rerun_of, h.runId, 'fairfs show names the run it repeats');
  t.same(
    shown.inputs.filter((i: { component: string }) => i.component === 'whole_object').map((i: { product: string }) => i.product),
    ['SCRC:human/population@0.1.0', 'SCRC:sir/parameters@1.0.0'],
    'the exact input versions, though newer ones exist',
  );
  const prov = JSON.parse(await ok(['prov', again.run_id]));
  t.equal(Object.values<any>(prov.activity)[0]['fairfs:rerunOf'], h.runId, 'and so does its provenance');
  const runs = await ok(['diff', h.runId, again.run_id]);
  t.match(runs, /sir-demo:sir\/summary: 0\.0\.1 → 0\.0\.2\n\s+identical/, 'diff of the two runs agrees');
});

t.test('rerun of a model that writes the clock says which output differs, and in which component', async (t) => {
  const shell =
    'cat "$FAIRFS_MOUNT/in.csv" > /dev/null; printf "[fixed]\\ntype = \\"point-estimate\\"\\nvalue = 1\\n\\n[clock]\\ntype = \\"point-estimate\\"\\nvalue = %s\\n" "$(date +%s.%N)" > "$FAIRFS_MOUNT/clock.toml"';
  const config = join(h.dir, 'clock.yaml');
  writeFileSync(
    config,
    'run_metadata:\n  description: a model that writes the time\n  default_output_namespace: clocks\nread:\n  - data_product: in\n    path: in.csv\n    use: {namespace: SCRC, data_product: human/population, version: 0.1.0}\nwrite:\n  - data_product: clock\n    path: clock.toml\n    description: the time\n',
  );
  const first = await fairfs(h.home, ['run', config, '--', 'sh', '-c', shell], { cwd: h.dir });
  t.equal(first.code, 0, first.stderr);
  const { run_id } = await lastRun(h.home);
  const r = await fairfs(h.home, ['rerun', run_id]);
  t.equal(r.code, 1, 'exit status 1: it does not reproduce');
  t.match(r.stdout, /differs\s+clocks:clock 0\.0\.1 → 0\.0\.2\s+\(components differ: clock\)/, 'the output and its component');
  t.match(r.stdout, /~ clock\.value: [\d.]+ → [\d.]+/);
  t.notMatch(r.stdout, /fixed/, 'the component that did not change is not named');
  t.match(r.stdout, /does not reproduce: 1 of 1 output\(s\) differ/);
});

t.test('show lists issues, quarantined outputs with paths and hashes, and takes a product', async (t) => {
  const bad = join(h.dir, 'bad.yaml');
  writeFileSync(bad, 'run_metadata:\n  description: writes TOML that does not parse\n  default_output_namespace: broken\nwrite:\n  - data_product: params\n    path: params.toml\n');
  t.equal((await fairfs(h.home, ['run', bad, '--', 'sh', '-c', 'echo "not [valid" > "$FAIRFS_MOUNT/params.toml"'])).code, 0);
  const broken = await lastRun(h.home);
  const shown = await ok(['show', broken.run_id]);
  t.match(shown, /issues\n\s+broken:params@0\.0\.1#whole_object\s+severity 3: params\.toml does not parse as TOML/, 'the issue raised at finalise');

  t.equal((await fairfs(h.home, ['run', bad, '--', 'sh', '-c', 'echo "[a]" > "$FAIRFS_MOUNT/params.toml"; exit 4'])).code, 4);
  const failed = await lastRun(h.home);
  const desc = JSON.parse(await ok(['show', failed.run_id, '--json']));
  t.equal(desc.quarantined.length, 1, 'the failed run kept one output');
  t.match(desc.quarantined[0], { path: 'params.toml', sha1: /^[0-9a-f]{40}$/, size: 4 });
  t.match(await ok(['show', failed.run_id]), /quarantined \(not registered\)\n\s+params\.toml\s+4 B\s+sha1 [0-9a-f]{40}\s+at \S+params\.toml/);

  const product = await ok(['show', 'sir-demo:sir/summary@0.0.1']);
  t.match(product, /^product\s+sir-demo:sir\/summary@0\.0\.1\n/);
  t.match(product, new RegExp(`made by\\s+${h.runId.slice(0, 12)} \\(completed`));
  t.match(product, /versions\s+0\.0\.1 0\.0\.2/);
  t.match(product, /components\n\s+whole_object\n\s+glasgow/);
  const dot = await ok(['prov', 'broken:params@0.0.1', '--format', 'dot']);
  t.match(dot, /class="product issue", label="broken:params@0\.0\.1\\nissue: params\.toml does not parse[^"]*".*fillcolor="#FF9999"/, 'a product with an issue stands out in the picture');
  const issueShown = await ok(['show', 'broken:params@0.0.1']);
  t.match(issueShown, /whole_object\n\s+issue \(severity 3\): params\.toml does not parse/);
});

t.test('push --dry-run lists every record and file it would send, and sends nothing', async (t) => {
  const env = { FAIRFS_TOKEN: 'unused' };
  const r = await fairfs(h.home, ['push', h.runId, '--dry-run', '--remote', 'http://127.0.0.1:9/api/'], { env });
  t.equal(r.code, 0, r.stderr);
  for (const line of [
    /^run [0-9a-f]{40} → http:\/\/127\.0\.0\.1:9\/api\/$/m,
    /^ {2}namespace\s+SCRC$/m,
    /^ {2}data_product\s+sir-demo:sir\/summary@0\.0\.1$/m,
    /^ {2}object_component\s+glasgow of sir-demo:sir\/summary@0\.0\.1$/m,
    /^ {2}author\s+Ada Lovelace <https:\/\/orcid\.org\/0000-0002-1825-0097>$/m,
    /^ {2}user_author\s+/m,
    /^ {2}code_run\s+[0-9a-f-]{36} \(SIR model, baseline scenario\)$/m,
    /^ {2}upload\s+\S+\.csv \(80 B, sha1 [0-9a-f]{40}\)$/m,
  ]) {
    t.match(r.stdout, line);
  }
  t.match(r.stderr, /dry run, nothing sent: 1 run\(s\), \d+ record\(s\) to post and 6 file\(s\) to upload/);
  const plan = JSON.parse((await fairfs(h.home, ['push', h.runId, '--dry-run', '--json', '--remote', 'http://127.0.0.1:9/api/'], { env })).stdout);
  t.equal(plan.runs[0].files.length, 6, 'inputs, outputs, config and script');
  t.ok(plan.runs[0].records.some((x: { endpoint: string }) => x.endpoint === 'code_run'));
});
