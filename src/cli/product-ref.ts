import { semver } from '../config/semver.js';
import { UsageError } from '../errors.js';

export interface ProductRef {
  namespace: string;
  name: string;
  version: string;
}

/** Parse `namespace:name@version` as the CLI takes it. */
export function parseProductRef(text: string): ProductRef {
  const m = /^([^:@\s]+):([^@\s]+)@([^@\s]+)$/.exec(text);
  if (!m) {
    throw new UsageError(`${text} is not of the form NAMESPACE:NAME@VERSION`, { hint: 'for example SCRC:human/population@0.1.0' });
  }
  const [, namespace, name, given] = m as unknown as [string, string, string, string];
  // semver's own form: v1.0.0 is 1.0.0, as FAIR-CLI has it.
  const version = semver.valid(given);
  if (!version) {
    throw new UsageError(`${given} is not a semantic version`, { hint: 'write a full version such as 0.1.0' });
  }
  if (name.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new UsageError(`${name} is not a valid data product name`, { hint: 'use names such as human/population' });
  }
  return { namespace, name, version };
}

export const formatRef = (r: ProductRef): string => `${r.namespace}:${r.name}@${r.version}`;
