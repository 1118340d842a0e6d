import { semver } from './semver.js';
import { versionExpression, type VersionExpression } from './variables.js';

/** Highest semver in the list, or null. */
export function highestVersion(versions: readonly string[]): string | null {
  const valid = versions.filter((v) => semver.valid(v));
  return valid.length === 0 ? null : semver.rsort([...valid])[0]!;
}

/**
 * The version a write expression yields: the highest existing version
 * (0.0.0 when none) bumped by the expression; LATEST does not bump.
 */
export function nextWriteVersion(expression: VersionExpression, existing: readonly string[]): string {
  const base = highestVersion(existing) ?? '0.0.0';
  switch (expression) {
    case 'LATEST':
      return base;
    case 'MAJOR':
      return semver.inc(base, 'major')!;
    case 'MINOR':
      return semver.inc(base, 'minor')!;
    case 'PATCH':
      return semver.inc(base, 'patch')!;
  }
}

/** Resolve a write version spec (semver or expression) against existing versions. */
export function resolveWriteVersion(spec: string, existing: readonly string[]): string {
  const expression = versionExpression(spec);
  return expression ? nextWriteVersion(expression, existing) : spec;
}
