/**
 * The typed error family. Code below `cli/` throws these; `cli/` alone prints
 * message + hint and exits with `exitCode`; the mount maps them to `errno`.
 * Exit codes are the sysexits values promised in DESIGN §2.
 */
export const ExitCode = {
  ok: 0,
  usage: 64,
  dataConflict: 65,
  missingData: 66,
  remoteUnavailable: 69,
  internal: 70,
  cannotMount: 73,
  busy: 75,
  permission: 77,
  badConfig: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Linux errno values the mount answers with (negated when handed to FUSE). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENXIO: 6,
  EBADF: 9,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ENODATA: 61,
  EOPNOTSUPP: 95,
} as const;
export type ErrnoName = keyof typeof Errno;

export interface ErrorDetails {
  hint?: string;
  cause?: unknown;
}

export class FairfsError extends Error {
  readonly exitCode: ExitCode;
  readonly errno: ErrnoName;
  readonly hint?: string;

  constructor(message: string, exitCode: ExitCode, errno: ErrnoName, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.errno = errno;
    if (details.hint !== undefined) this.hint = details.hint;
  }
}

export class UsageError extends FairfsError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, ExitCode.usage, 'EINVAL', details);
  }
}

/** A write would overwrite registered data, or two sessions raced for a version. */
export class DataConflictError extends FairfsError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, ExitCode.dataConflict, 'EEXIST', details);
  }
}

/** An input the config names is not in the local registry or store. */
export class MissingDataError extends FairfsError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, ExitCode.missingData, 'ENOENT', details);
  }
}

/** Remote data that cannot be accepted: a hash mismatch, a path escaping the store, an odd scheme. */
export class RemoteDataError extends FairfsError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, ExitCode.dataConflict, 'EIO', details);
  }
}

export class RemoteUnavailableError extends FairfsError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, ExitCode.remoteUnavailable, 'EIO', details);
  }
}

export class InternalError extends FairfsError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, ExitCode.internal, 'EIO', details);
  }
}

export class MountError extends FairfsError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, ExitCode.cannotMount, 'EIO', details);
  }
}

/** Files are still open on a session being finalised (sysexits EX_TEMPFAIL). */
export class BusyError extends FairfsError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, ExitCode.busy, 'EBUSY', details);
  }
}

export class PermissionError extends FairfsError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, ExitCode.permission, 'EACCES', details);
  }
}

/** A source position inside a config file, 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export class ConfigError extends FairfsError {
  readonly position?: SourcePosition;
  readonly key?: string;

  constructor(message: string, details: ErrorDetails & { position?: SourcePosition; key?: string } = {}) {
    const where = details.position
      ? `${details.position.file}:${details.position.line}:${details.position.column}: `
      : '';
    const key = details.key ? `${details.key}: ` : '';
    super(`${where}${key}${message}`, ExitCode.badConfig, 'EINVAL', details);
    if (details.position) this.position = details.position;
    if (details.key) this.key = details.key;
  }
}

/**
 * A refusal on the mount: carries the errno the program sees and the reason
 * written to the access journal. Never reaches the CLI.
 */
export class MountRefusal extends FairfsError {
  constructor(errno: ErrnoName, reason: string) {
    // A refusal is an answer (most are lookups of names that do not exist), not a bug: no stack to capture.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(reason, ExitCode.internal, errno);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** Map anything thrown to a FairfsError; unknown errors become internal. */
export function asFairfsError(err: unknown): FairfsError {
  if (err instanceof FairfsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(`internal error: ${message}`, {
    hint: 'this is a bug in fairfs; please report it with the output of `--debug`',
    cause: err,
  });
}

/** errno for a Node system error (e.g. from the backing store), EIO when unknown. */
export function errnoOf(err: unknown): ErrnoName {
  if (err instanceof FairfsError) return err.errno;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && code in Errno) return code as ErrnoName;
  return 'EIO';
}
