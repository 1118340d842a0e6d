import { execFile } from 'node:child_process';

export interface GitInfo {
  repoDir: string;
  commit: string | null;
  dirty: boolean;
  branch: string | null;
  tag: string | null;
  remoteUrl: string | null;
}

function git(dir: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, ...args], { timeout: 10_000 }, (err, stdout) => resolve(err ? null : stdout.trim()));
  });
}

/** The git repository holding `dir`, with the commit recorded as the run's code version. */
export async function gitInfo(dir: string): Promise<GitInfo | null> {
  const repoDir = await git(dir, ['rev-parse', '--show-toplevel']);
  if (!repoDir) return null;
  const [commit, status, branch, tag, remoteUrl] = await Promise.all([
    git(repoDir, ['rev-parse', 'HEAD']),
    git(repoDir, ['status', '--porcelain', '--untracked-files=no']),
    git(repoDir, ['symbolic-ref', '--short', '-q', 'HEAD']),
    git(repoDir, ['describe', '--tags', '--exact-match']),
    git(repoDir, ['remote', 'get-url', 'origin']),
  ]);
  return {
    repoDir,
    commit: commit || null,
    dirty: Boolean(status),
    branch: branch || null,
    tag: tag || null,
    remoteUrl: remoteUrl || null,
  };
}
