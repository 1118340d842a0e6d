/*
 * The FAIR data-registry REST resources served by `fairfs registry serve`:
 * endpoint names, field names, relations and unique keys as in the Django
 * data registry (DESIGN §7), mapped onto the local registry's tables.
 */

export type FieldKind = 'text' | 'name' | 'semver' | 'int' | 'bool' | 'datetime' | 'uuid' | 'fk' | 'm2m';

export interface Field {
  name: string;
  kind: FieldKind;
  /** Related endpoint for fk / m2m. */
  target?: string;
  /** Join table for m2m: [table, column of this row, column of the target]. */
  via?: [string, string, string];
  required?: boolean;
  readOnly?: boolean;
  /** Value given when a POST leaves the field out. */
  default?: () => unknown;
}

/**
 * A read-only relation seen from the other side, as the registry shows it
 * (`storage_root.locations`, `object_component.inputs_of`): rows of `table`
 * whose `self` column is this row's id, or, with `other`, the `other` column
 * of the join rows. Filterable by the related id.
 */
export interface Reverse {
  name: string;
  target: string;
  table: string;
  self: string;
  other?: string;
  /** One related record (or null) instead of a list. */
  single?: boolean;
}

export interface Resource {
  endpoint: string;
  table: string;
  fields: Field[];
  reverse: Reverse[];
  /** Unique keys: a POST matching one answers 409. */
  unique: string[][];
  /** At least one of these fields must be given (the registry's check constraint). */
  oneOf?: string[];
  post: boolean;
  patch: boolean;
  delete: boolean;
  /** Whether rows carry last_updated and updated_by (every registry record but users). */
  lastUpdated: boolean;
}

const uuid = (): Field => ({ name: 'uuid', kind: 'uuid', default: () => crypto.randomUUID() });
const fk = (name: string, target: string, required = false): Field => ({ name, kind: 'fk', target, required });

function resource(endpoint: string, fields: Field[], unique: string[][], opts: Partial<Omit<Resource, 'endpoint' | 'fields' | 'unique'>> = {}): Resource {
  return { endpoint, table: endpoint, fields, unique, reverse: [], post: true, patch: false, delete: false, lastUpdated: true, ...opts };
}

const rows = (name: string, target: string, self: string, single = false): Reverse => ({ name, target, table: target, self, single });

export const RESOURCES: readonly Resource[] = [
  resource('users', [{ name: 'username', kind: 'text', required: true }], [['username']], { post: false, lastUpdated: false }),
  resource('user_author', [fk('user', 'users', true), fk('author', 'author', true)], [['user']]),
  resource('namespace', [{ name: 'name', kind: 'name', required: true }, { name: 'full_name', kind: 'text' }, { name: 'website', kind: 'text' }], [['name']]),
  resource('author', [{ name: 'name', kind: 'name' }, { name: 'identifier', kind: 'text' }, uuid()], [['identifier'], ['uuid']], { oneOf: ['name', 'identifier'] }),
  resource('file_type', [{ name: 'name', kind: 'text', required: true }, { name: 'extension', kind: 'text', required: true }], [['name', 'extension']]),
  resource('storage_root', [{ name: 'root', kind: 'text', required: true }, { name: 'local', kind: 'bool', default: () => false }], [['root']], {
    reverse: [rows('locations', 'storage_location', 'storage_root')],
  }),
  resource(
    'storage_location',
    [
      { name: 'path', kind: 'text', required: true },
      { name: 'hash', kind: 'text', required: true },
      { name: 'public', kind: 'bool', default: () => true },
      fk('storage_root', 'storage_root', true),
    ],
    [['storage_root', 'hash', 'public']],
  ),
  resource(
    'object',
    [
      { name: 'description', kind: 'text' },
      fk('storage_location', 'storage_location'),
      fk('file_type', 'file_type'),
      { name: 'authors', kind: 'm2m', target: 'author', via: ['object_author', 'object', 'author'] },
      uuid(),
    ],
    [['uuid']],
    {
      reverse: [
        rows('components', 'object_component', 'object'),
        rows('data_products', 'data_product', 'object'),
        rows('keywords', 'keyword', 'object'),
        rows('licences', 'licence', 'object'),
        rows('code_repo_release', 'code_repo_release', 'object', true),
        rows('quality_control', 'quality_controlled', 'object', true),
      ],
    },
  ),
  resource(
    'object_component',
    [
      fk('object', 'object', true),
      { name: 'name', kind: 'name', required: true },
      { name: 'description', kind: 'text' },
      { name: 'whole_object', kind: 'bool', default: () => false },
      { name: 'issues', kind: 'm2m', target: 'issue', via: ['issue_component', 'object_component', 'issue'] },
    ],
    [['object', 'name']],
    {
      reverse: [
        { name: 'inputs_of', target: 'code_run', table: 'code_run_input', self: 'object_component', other: 'code_run' },
        { name: 'outputs_of', target: 'code_run', table: 'code_run_output', self: 'object_component', other: 'code_run' },
      ],
    },
  ),
  resource(
    'data_product',
    [
      fk('namespace', 'namespace', true),
      { name: 'name', kind: 'name', required: true },
      { name: 'version', kind: 'semver', required: true },
      fk('object', 'object', true),
    ],
    [['namespace', 'name', 'version']],
    { patch: true, reverse: [rows('external_object', 'external_object', 'data_product', true)] },
  ),
  resource(
    'external_object',
    [
      fk('data_product', 'data_product', true),
      { name: 'identifier', kind: 'text' },
      { name: 'alternate_identifier', kind: 'text' },
      { name: 'alternate_identifier_type', kind: 'text' },
      { name: 'primary_not_supplement', kind: 'bool', default: () => true },
      { name: 'release_date', kind: 'datetime' },
      { name: 'title', kind: 'text', required: true },
      { name: 'description', kind: 'text' },
      fk('original_store', 'storage_location'),
      { name: 'version', kind: 'text', readOnly: true },
    ],
    [['data_product']],
  ),
  resource(
    'code_run',
    [
      { name: 'run_date', kind: 'datetime', required: true },
      { name: 'description', kind: 'text', required: true },
      fk('code_repo', 'object'),
      fk('model_config', 'object'),
      fk('submission_script', 'object', true),
      { name: 'inputs', kind: 'm2m', target: 'object_component', via: ['code_run_input', 'code_run', 'object_component'] },
      { name: 'outputs', kind: 'm2m', target: 'object_component', via: ['code_run_output', 'code_run', 'object_component'] },
      uuid(),
    ],
    [['uuid']],
    { patch: true, delete: true },
  ),
  resource(
    'issue',
    [
      { name: 'severity', kind: 'int', default: () => 1 },
      { name: 'description', kind: 'text', required: true },
      { name: 'component_issues', kind: 'm2m', target: 'object_component', via: ['issue_component', 'issue', 'object_component'] },
      uuid(),
    ],
    [['uuid']],
    { patch: true },
  ),
  resource('keyword', [fk('object', 'object', true), { name: 'keyphrase', kind: 'name', required: true }, { name: 'identifier', kind: 'text' }], [['object', 'keyphrase']]),
  resource('licence', [fk('object', 'object', true), { name: 'licence_info', kind: 'text', required: true }, { name: 'identifier', kind: 'text' }], []),
  resource('key_value', [fk('object', 'object', true), { name: 'key', kind: 'text', required: true }, { name: 'value', kind: 'text', required: true }], [['object', 'key']]),
  resource(
    'code_repo_release',
    [{ name: 'name', kind: 'name', required: true }, { name: 'version', kind: 'text', required: true }, fk('object', 'object', true), { name: 'website', kind: 'text' }],
    [['name', 'version'], ['object']],
  ),
  resource('quality_controlled', [fk('object', 'object', true), fk('field', 'object')], [['object']]),
];

export const RESOURCE_BY_ENDPOINT = new Map(RESOURCES.map((r) => [r.endpoint, r]));
