/** How sync reports transfers; the CLI draws bars on a TTY, tests pass nothing. */
export interface TransferProgress {
  start(label: string, totalBytes: number): void;
  advance(bytes: number): void;
  stop(): void;
}
