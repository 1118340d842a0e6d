/**
 * `${{ VAR }}` template variables (DESIGN §3). Version expressions are left in
 * place for the version resolver; RUN_ID is left for finalise; anything else
 * unknown is reported by the caller with its position.
 */
export interface VariableContext {
  start: Date;
  user: string;
  repoDir: string | null;
  configDir: string;
  sourceConfig: string;
  gitBranch: string | null;
  gitTag: string | null;
}

export const VERSION_EXPRESSIONS = ['LATEST', 'MAJOR', 'MINOR', 'PATCH'] as const;
export type VersionExpression = (typeof VERSION_EXPRESSIONS)[number];
const DEFERRED = new Set<string>([...VERSION_EXPRESSIONS, 'RUN_ID']);

const VARIABLE = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_-]*(?:-[^}]*)?)\s*\}\}/g;

export class UnknownVariableError extends Error {
  constructor(readonly variable: string, readonly reason: string) {
    super(reason);
  }
}

export function substitute(text: string, ctx: VariableContext): string {
  return text.replace(VARIABLE, (whole, raw: string) => {
    const name = raw.trim();
    if (DEFERRED.has(name)) return whole;
    if (name.startsWith('DATETIME-')) return strftime(name.slice('DATETIME-'.length), ctx.start);
    switch (name) {
      case 'DATE':
        return strftime('%Y%m%d', ctx.start);
      case 'DATETIME':
        return strftime('%Y-%m-%dT%H:%M:%S', ctx.start);
      case 'USER':
        return ctx.user;
      case 'CONFIG_DIR':
        return ctx.configDir;
      case 'SOURCE_CONFIG':
        return ctx.sourceConfig;
      case 'REPO_DIR':
        return required(name, ctx.repoDir, 'the current directory is not inside a git repository; set run_metadata.local_repo');
      case 'GIT_BRANCH':
        return required(name, ctx.gitBranch, 'no git branch: the code is not in a git repository or HEAD is detached');
      case 'GIT_TAG':
        return required(name, ctx.gitTag, 'HEAD carries no git tag; tag the commit or drop ${{GIT_TAG}}');
      default:
        throw new UnknownVariableError(name, `unknown variable \${{${name}}}`);
    }
  });
}

function required(name: string, value: string | null, why: string): string {
  if (value === null) throw new UnknownVariableError(name, `\${{${name}}} cannot be substituted: ${why}`);
  return value;
}

/** The version expression a whole string is, if any (`${{ PATCH }}` → PATCH). */
export function versionExpression(text: string): VersionExpression | null {
  const m = /^\$\{\{\s*(LATEST|MAJOR|MINOR|PATCH)\s*\}\}$/.exec(text.trim());
  return m ? (m[1] as VersionExpression) : null;
}

export function replaceRunId(text: string, runId: string): string {
  return text.replace(/\$\{\{\s*RUN_ID\s*\}\}/g, runId);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The strftime subset configs use, in local time like the Python pipeline. */
export function strftime(format: string, d: Date): string {
  return format.replace(/%([YmdHMSjyb%])/g, (_, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getFullYear());
      case 'y':
        return pad(d.getFullYear() % 100);
      case 'm':
        return pad(d.getMonth() + 1);
      case 'd':
        return pad(d.getDate());
      case 'H':
        return pad(d.getHours());
      case 'M':
        return pad(d.getMinutes());
      case 'S':
        return pad(d.getSeconds());
      case 'b':
        return MONTHS[d.getMonth()]!;
      case 'j': {
        const startOfYear = new Date(d.getFullYear(), 0, 1);
        return pad(Math.floor((d.getTime() - startOfYear.getTime()) / 86_400_000) + 1, 3);
      }
      default:
        return '%';
    }
  });
}
