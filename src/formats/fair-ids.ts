import { createHash } from 'node:crypto';

/**
 * The uuid the FAIR data-registry gives an author with an identifier: every
 * second hex digit of the identifier's SHA-256 (Author.save). fairfs derives it
 * the same way, so an author has one uuid on both sides of a push.
 */
export function authorUuidFor(identifier: string): string {
  const h = [...createHash('sha256').update(identifier, 'utf8').digest('hex')].filter((_, i) => i % 2 === 0).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
