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

/**
 * The git repository holding `dir`, with the commit recorded as the run's
 * code version. Four git processes at once (each works from any folder of the
 * repository): a run's fixed cost is mostly process starts, so none waits for
 * another.
 */
export async function gitInfo(dir: string): Promise<GitInfo | null> {
  const [repoDir, status, tags, remoteUrl] = await Promise.all([
    git(dir, ['rev-parse', '--show-toplevel']),
    // branch.oid and branch.head headers, then one line per changed tracked file.
    git(dir, ['status', '--porcelain=v2', '--branch', '--untracked-files=no']),
    git(dir, ['for-each-ref', '--points-at=HEAD', '--sort=-creatordate', '--format=%(refname:short)', 'refs/tags']),
    git(dir, ['config', '--get', 'remote.origin.url']),
  ]);
  if (!repoDir || status === null) return null;
  const header = (name: string): string | null => {
    const line = status.split('\n').find((l) => l.startsWith(`# branch.${name} `));
    return line ? line.slice(`# branch.${name} `.length) : null;
  };
  const commit = header('oid');
  const branch = header('head');
  return {
    repoDir,
    // "(initial)": a repository with no commit yet; "(detached)": no branch.
    commit: commit && commit !== '(initial)' ? commit : null,
    dirty: status.split('\n').some((l) => l !== '' && !l.startsWith('#')),
    branch: branch && branch !== '(detached)' ? branch : null,
    tag: tags ? tags.split('\n')[0]! : null,
    remoteUrl: remoteUrl || null,
  };
}
