import type { Task, TaskId } from '../../proto/index.js';

/**
 * Who owns a failing acceptance check or project test: the task whose rules
 * promised it. Only a job's root tasks own code (fix tasks inherit their
 * root's rules), so fixes go to the task that wrote it in the first place.
 */
export interface AcceptanceOwners {
  /** The owner of a failing check of this operation (`-` for checks of no operation). */
  ofOperation(operationId: string): TaskId | null;
  /** The owner of the app failing to install, build or start. */
  ofServer(): TaskId | null;
  /** The owner of a failing project test file (path relative to the app), or of failing tests no file was named for. */
  ofTest(file: string | null): TaskId | null;
}

export function acceptanceOwners(tasks: readonly Task[]): AcceptanceOwners {
  const roots = tasks.filter((t) => t.fixOf === null);
  const candidates = roots.length > 0 ? roots : tasks;
  const serverTask = candidates.find((t) => t.validationRules.some((r) => r.kind === 'server_starts'));
  const backend = candidates.find((t) => t.type === 'backend');
  const last = candidates.at(-1);
  const server = (serverTask ?? backend ?? last)?.id ?? null;
  const byOperation = new Map<string, TaskId>();
  for (const task of candidates) {
    for (const rule of task.validationRules) {
      if (rule.kind !== 'http') continue;
      for (const op of rule.operationIds) if (!byOperation.has(op)) byOperation.set(op, task.id);
    }
  }
  const testGlobs = candidates.flatMap((t) => t.validationRules.flatMap((r) => (r.kind === 'tests_pass' ? [{ id: t.id, re: globToRegExp(r.glob) }] : [])));
  const testing = candidates.find((t) => t.type === 'testing');
  return {
    ofOperation: (operationId) => byOperation.get(operationId) ?? server,
    ofServer: () => server,
    ofTest: (file) => {
      const normalized = file?.replace(/^\.\//, '') ?? null;
      const owner = normalized === null ? undefined : testGlobs.find((g) => g.re.test(normalized));
      return owner?.id ?? testing?.id ?? last?.id ?? null;
    },
  };
}

/**
 * A rule glob (`*` within one path segment, `**` across segments, nothing
 * else; proto/rules.ts allows no other metacharacter) as a regular expression.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const char = glob[i] ?? '';
    if (char === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more whole segments; a trailing `**` matches the rest.
      const slash = glob[i + 2] === '/';
      source += slash ? '(?:[^/]+/)*' : '.*';
      i += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
