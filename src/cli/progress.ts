import cliProgress from 'cli-progress';
import type { TransferProgress } from '../sync/progress.js';

/** A byte-count bar per transfer on a TTY; nothing otherwise (the summary line still prints). */
export function terminalProgress(): TransferProgress | undefined {
  if (!process.stderr.isTTY) return undefined;
  let bar: cliProgress.SingleBar | null = null;
  let done = 0;
  return {
    start(label, total) {
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${label.padEnd(32).slice(0, 32)} {bar} {percentage}% {value_mb}/{total_mb} MiB`,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      done = 0;
      bar.start(Math.max(total, 1), 0, { value_mb: '0.0', total_mb: (total / 1048576).toFixed(1) });
    },
    advance(bytes) {
      done += bytes;
      bar?.update(done, { value_mb: (done / 1048576).toFixed(1) });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/** A count bar (files registered, ...) on a TTY; nothing otherwise. */
export function countProgress(label: string, total: number): { advance(n: number): void; stop(): void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label.padEnd(16).slice(0, 16)} {bar} {value}/{total}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let done = 0;
  return {
    advance(n) {
      done += n;
      bar.update(done);
    },
    stop() {
      bar.stop();
    },
  };
}
