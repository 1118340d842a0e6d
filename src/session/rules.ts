import { matchWrite, type ResolvedRead, type ResolvedWrite, type WorkingConfig } from '../config/resolve.js';
import type { ErrnoName } from '../errors.js';
import type { Caller } from '../vfs/served-fs.js';
import type { Callers } from './callers.js';

/*
 * The run's rules, in one place and apart from any filesystem: for an operation
 * on a path, by a caller, what it is: an input of the run, a change the run may
 * make (a new output, with its declared slot if any), or a refusal with its errno
 * and the reason that is journalled. Every backend serves the same decisions.
 */

/** What a path names, as far as the rules care. */
export type Target =
  /** A registered input (read-only). */
  | { kind: 'input'; read: ResolvedRead }
  /** `.fair/` and its files: read-only. */
  | { kind: 'control' }
  /** Something of the run's own: an output, a folder, a link, a FIFO. */
  | { kind: 'writable' }
  /** A name for a new output (create, mknod of a file, a hard link, an output renamed to it). */
  | { kind: 'new-output'; inControl: boolean }
  /** A name for a new folder, symbolic link or FIFO (never a data product). */
  | { kind: 'new-entry'; inControl: boolean };

export type Decision =
  /** Reading an input: journalled as the run's, or as outside the run with the reason. */
  | { kind: 'input'; read: ResolvedRead; outside: string | null }
  /** Allowed; a new output's declared slot when it has one; `outside` for reads by other processes. */
  | { kind: 'allowed'; slot?: ResolvedWrite; outside: string | null }
  | { kind: 'refused'; errno: ErrnoName; reason: string; dataProduct: number | null };

export class RunRules {
  constructor(
    private readonly working: WorkingConfig,
    private readonly callers: Callers,
  ) {}

  /**
   * `change` is true for anything that alters the tree or a file (opening for
   * writing included); false for reads, which every process may make (those of
   * processes outside the run are journalled as such and never linked).
   */
  decide(path: string, target: Target, caller: Caller | null, change: boolean): Decision {
    const outside = this.outsider(caller);
    if (!change) return target.kind === 'input' ? { kind: 'input', read: target.read, outside } : { kind: 'allowed', outside };
    if (target.kind === 'input') {
      return refused('EACCES', `input ${label(target.read)} is read-only: a run may not modify registered data`, target.read.dataProductId);
    }
    if (outside) return refused('EACCES', `${outside}; only the run's processes may change its files`);
    switch (target.kind) {
      case 'control':
        return refused('EACCES', `${path} is read-only`);
      case 'writable':
        return { kind: 'allowed', outside: null };
      case 'new-entry':
        return target.inControl ? refused('EACCES', '.fair/ is read-only') : { kind: 'allowed', outside: null };
      case 'new-output': {
        if (target.inControl) return refused('EACCES', '.fair/ is read-only');
        const slot = this.slot(path);
        if (!slot && this.working.undeclaredWrites === 'reject') {
          return refused('EACCES', `undeclared write to ${path} refused (undeclared_writes: reject / --strict); declare it under write:`);
        }
        return slot ? { kind: 'allowed', slot, outside: null } : { kind: 'allowed', outside: null };
      }
    }
  }

  /** The declared output a path falls under (exact or glob), if any. */
  slot(path: string): ResolvedWrite | undefined {
    return matchWrite(this.working.writes, path);
  }

  /** Why a caller is not part of the run, or null when it is (or cannot be told). */
  outsider(caller: Caller | null): string | null {
    const pid = caller?.pid ?? 0;
    if (this.callers.belongs(pid, caller?.start)) return null;
    return `pid ${pid} (${this.callers.info(pid, caller?.start)?.command ?? '?'}) is not part of the run`;
  }
}

function refused(errno: ErrnoName, reason: string, dataProduct: number | null = null): Decision {
  return { kind: 'refused', errno, reason, dataProduct };
}

export function label(read: ResolvedRead): string {
  return `${read.namespace}:${read.name}@${read.version}`;
}
