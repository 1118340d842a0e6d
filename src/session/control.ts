import { createConnection, createServer, type Server } from 'node:net';
import { FairfsError, InternalError, type ExitCode } from '../errors.js';

/*
 * The control channel of a mount daemon: `fairfs unmount` asks the daemon
 * that serves a session to finalise it. A Linux abstract socket named by the
 * run id: no file to go stale, no path-length limit.
 */

export interface ControlRequest {
  op: 'finalise' | 'ping';
  abort?: boolean;
  force?: boolean;
}

export type ControlReply =
  | { ok: true; result: unknown }
  | { ok: false; error: { name: string; message: string; hint?: string; exitCode: ExitCode; errno: FairfsError['errno'] } };

export function controlAddress(runId: string): string {
  return `\0fairfs-control-${runId}`;
}

export function serveControl(
  runId: string,
  handle: (req: ControlRequest) => Promise<unknown>,
  afterReply: (req: ControlRequest, ok: boolean) => void,
): Promise<Server> {
  const server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      const line = buffer.slice(0, newline);
      buffer = '';
      let req: ControlRequest;
      try {
        req = JSON.parse(line) as ControlRequest;
      } catch {
        socket.end(JSON.stringify({ ok: false, error: toWire(new InternalError('malformed control request')) }) + '\n');
        return;
      }
      handle(req).then(
        (result) => socket.end(JSON.stringify({ ok: true, result }) + '\n', () => afterReply(req, true)),
        (err: unknown) => {
          const error = err instanceof FairfsError ? err : new InternalError(String((err as Error)?.message ?? err));
          socket.end(JSON.stringify({ ok: false, error: toWire(error) }) + '\n', () => afterReply(req, false));
        },
      );
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(controlAddress(runId), () => resolve(server));
  });
}

/** Send one request; resolves null when no daemon listens (it died or never ran). */
export function sendControl(runId: string, req: ControlRequest): Promise<ControlReply | null> {
  return new Promise((resolve) => {
    const socket = createConnection(controlAddress(runId));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify(req) + '\n'));
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(data) as ControlReply);
      } catch {
        resolve(null);
      }
    });
    socket.on('error', () => resolve(null));
  });
}

function toWire(err: FairfsError): Extract<ControlReply, { ok: false }>['error'] {
  return {
    name: err.name,
    message: err.message,
    ...(err.hint ? { hint: err.hint } : {}),
    exitCode: err.exitCode,
    errno: err.errno,
  };
}

/** Rebuild a daemon's error on the client side with its exit code and hint. */
export function fromWire(error: Extract<ControlReply, { ok: false }>['error']): FairfsError {
  const err = new FairfsError(error.message, error.exitCode, error.errno, error.hint ? { hint: error.hint } : {});
  return err;
}
