import { matchWrite, type ResolvedWrite, type WorkingConfig } from '../config/resolve.js';
import { replaceRunId } from '../config/variables.js';
import { extensionOf } from '../store/store.js';

/** What one written file becomes at finalise. */
export interface PlannedOutput {
  path: string;
  namespace: string;
  name: string;
  versionSpec: string;
  extension: string;
  description: string | null;
  public: boolean;
  declared: boolean;
}

export interface OutputPlan {
  outputs: PlannedOutput[];
  warnings: string[];
}

const stripExtension = (path: string): string => path.replace(/\.[^/.]*$/, '');
const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/**
 * Map the files a run wrote (by their final mount path) to data products
 * (DESIGN §3 write items, §5 undeclared writes). Pure: no I/O.
 */
export function planOutputs(
  paths: readonly string[],
  working: WorkingConfig,
  runId: string,
  fallbackNamespace: string,
): OutputPlan {
  const warnings: string[] = [];
  const outputs: PlannedOutput[] = [];
  const globMatches = new Map<ResolvedWrite, string[]>();

  for (const path of paths) {
    const write = matchWrite(working.writes, path);
    if (!write) {
      const namespace = working.defaultOutputNamespace ?? fallbackNamespace;
      warnings.push(`undeclared output ${path} registered as ${namespace}:${stripExtension(path)} (declare it under write: to name it)`);
      outputs.push({
        path,
        namespace,
        name: stripExtension(path),
        versionSpec: '${{PATCH}}',
        extension: extensionOf(path),
        description: null,
        public: true,
        declared: false,
      });
      continue;
    }
    if (!write.glob) {
      outputs.push(fromWrite(write, path, write.name));
      continue;
    }
    globMatches.set(write, [...(globMatches.get(write) ?? []), path]);
  }

  for (const [write, matched] of globMatches) {
    for (const path of matched) {
      let name: string;
      if (write.name.includes('*')) {
        // `outputs/*` names each output after the part of its path the `*` matched.
        const stem = stripExtension(write.glob!.exec(path)?.[1] ?? baseName(path));
        name = write.name.replace('*', stem);
      } else if (matched.length > 1) {
        name = `${write.name}/${stripExtension(baseName(path))}`;
        warnings.push(`${matched.length} files match ${write.path}; ${path} registered as ${write.namespace}:${name}`);
      } else {
        name = write.name;
      }
      outputs.push(fromWrite(write, path, name));
    }
  }
  return { outputs, warnings };

  function fromWrite(write: ResolvedWrite, path: string, name: string): PlannedOutput {
    return {
      path,
      namespace: write.namespace,
      name: replaceRunId(name, runId),
      versionSpec: write.versionSpec,
      extension: write.glob ? extensionOf(path) || write.extension : write.extension,
      description: write.description,
      public: write.public,
      declared: true,
    };
  }
}
