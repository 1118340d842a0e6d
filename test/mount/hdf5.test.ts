import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { exec, fairfs, fairfsJson, projectRoot } from '../helpers/cli.js';
import { emptyHome } from '../helpers/home.js';
import { fuseMountpoints } from '../helpers/mount.js';

const writer = join(projectRoot, 'test', 'fixtures', 'write_h5.mjs');

t.test('HDF5 files are recorded down to their array and table groups', async (t) => {
  const h = emptyHome(t);
  const file = join(h.dir, 'cases.h5');
  const w = await exec(process.execPath, [writer, file]);
  t.equal(w.code, 0, w.stderr);
  const add = await fairfs(h.home, ['add', file, 'SCRC:cases@1.0.0']);
  t.equal(add.code, 0, add.stderr);
  t.match(add.stderr, /components cases\/by_region, params/);

  const mnt = join(h.dir, 'catalog');
  t.equal((await fairfs(h.home, ['mount', mnt, '--catalog'])).code, 0);
  t.teardown(async () => {
    if (fuseMountpoints().includes(mnt)) await exec('fusermount3', ['-uz', mnt]);
  });
  const d = join(mnt, 'SCRC', 'cases', '1.0.0.h5.d');
  t.equal((await exec('cat', [join(d, 'cases', 'by_region')])).stdout, '1,2,3\n4,5,6\n', 'an array as CSV');
  t.equal((await exec('cat', [join(d, 'params')])).stdout, 'name,value\nbeta,0.32\ngamma,0.1\n', 'a table as CSV with its field names');
  t.equal((await fairfs(h.home, ['unmount', mnt])).code, 0);
});

t.test('HDF5 outputs get their components; one that does not open is kept whole with an issue', async (t) => {
  const h = emptyHome(t);
  const config = join(h.dir, 'config.yaml');
  writeFileSync(config, 'run_metadata:\n  default_output_namespace: h5demo\nwrite:\n  - data_product: results/model\n    file_type: h5\n');
  const script = `node ${JSON.stringify(writer)} "$FAIRFS_MOUNT/results/model.h5" && echo "not hdf5" > "$FAIRFS_MOUNT/broken.h5"`;
  const r = await fairfs(h.home, ['run', config, '--', 'sh', '-c', script]);
  t.equal(r.code, 0, r.stderr);
  const [run] = await fairfsJson<{ run_id: string }[]>(h.home, ['runs']);
  const shown = await fairfsJson<{ outputs: { product: string; component: string }[] }>(h.home, ['show', run!.run_id]);
  t.same(
    shown.outputs.map((o) => `${o.product}#${o.component}`).sort(),
    ['h5demo:broken@0.0.1#whole_object', 'h5demo:results/model@0.0.1#cases/by_region', 'h5demo:results/model@0.0.1#params', 'h5demo:results/model@0.0.1#whole_object'],
  );
  const db = new Database(join(h.home, 'registry.db'), { readonly: true });
  const issues = db.prepare('SELECT description FROM issue').all() as { description: string }[];
  db.close();
  t.equal(issues.length, 1);
  t.match(issues[0]!.description, /broken\.h5 does not open as HDF5/);
});

t.test('a read item may name one component: the file is that component, and the run records it', async (t) => {
  const h = emptyHome(t);
  const file = join(h.dir, 'cases.h5');
  t.equal((await exec(process.execPath, [writer, file])).code, 0);
  t.equal((await fairfs(h.home, ['add', file, 'SCRC:cases@1.0.0'])).code, 0);
  t.equal((await fairfs(h.home, ['add', join(projectRoot, 'examples', 'sir-model', 'data', 'parameters.toml'), 'SCRC:sir/parameters@1.0.0'])).code, 0);
  const config = join(h.dir, 'config.yaml');
  writeFileSync(
    config,
    `run_metadata:
  default_input_namespace: SCRC
  default_output_namespace: demo
read:
  - data_product: params
    use: {data_product: cases, component: params}
  - data_product: sir/parameters
    component: infectious-period
write:
  - data_product: copy
    file_type: txt
`,
  );
  const script = 'cat "$FAIRFS_MOUNT/params.csv" "$FAIRFS_MOUNT/sir/parameters.toml" | tee "$FAIRFS_MOUNT/copy.txt"';
  const r = await fairfs(h.home, ['run', config, '--', 'sh', '-c', script]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'name,value\nbeta,0.32\ngamma,0.1\n[infectious-period]\ntype = "distribution"\ndistribution = "gamma"\nk = 4.2\ntheta = 1.3\n\n', 'an HDF5 table as CSV, a TOML table as TOML');
  const [run] = await fairfsJson<{ run_id: string }[]>(h.home, ['runs']);
  const shown = await fairfsJson<{ inputs: { product: string; component: string }[] }>(h.home, ['show', run!.run_id]);
  t.same(shown.inputs.map((i) => `${i.product}#${i.component}`).sort(), ['SCRC:cases@1.0.0#params', 'SCRC:sir/parameters@1.0.0#infectious-period'], 'the components, not whole objects');

  // SCRC 2020 `where: {component: …}` means the same.
  const scrc = join(h.dir, 'scrc.yaml');
  writeFileSync(scrc, 'data_directory: .\naccess_log: access.yaml\nrun_metadata:\n  default_input_namespace: SCRC\nread:\n  - where: {data_product: sir/parameters, component: beta}\n');
  const s2 = await fairfs(h.home, ['run', scrc, '--', 'sh', '-c', 'cat "$FAIRFS_MOUNT/sir/parameters.toml"']);
  t.equal(s2.code, 0, s2.stderr);
  t.equal(s2.stdout, '[beta]\ntype = "point-estimate"\nvalue = 0.32\n\n');

  const missing = join(h.dir, 'missing.yaml');
  writeFileSync(missing, 'run_metadata:\n  default_input_namespace: SCRC\nread:\n  - data_product: sir/parameters\n    component: alpha\n');
  const m = await fairfs(h.home, ['run', missing, '--', 'true']);
  t.equal(m.code, 66, 'no such component: missing data');
  t.match(m.stderr, /SCRC:sir\/parameters@1\.0\.0 has no component alpha \(read\[0\]\)/);
  t.match(m.stderr, /its components: beta, days, gamma, infectious-period/);
});

t.test('an HDF5 array in the FAIR layout reads as CSV with its dimension names and units', async (t) => {
  const h = emptyHome(t);
  const file = join(h.dir, 'cases.h5');
  const w = await exec(process.execPath, [writer, file, '--labelled']);
  t.equal(w.code, 0, w.stderr);
  t.equal((await fairfs(h.home, ['add', file, 'SCRC:cases@1.0.0'])).code, 0);
  const config = join(h.dir, 'config.yaml');
  writeFileSync(config, 'run_metadata:\n  default_input_namespace: SCRC\nread:\n  - data_product: by_age\n    use: {data_product: cases, component: cases/by_age}\n');
  const r = await fairfs(h.home, ['run', config, '--', 'sh', '-c', 'cat "$FAIRFS_MOUNT/by_age.csv"']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'region \\ age (years) [cases],0-19,20+\nglasgow,5,7\nedinburgh,11,13\n');
});
