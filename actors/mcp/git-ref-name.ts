/**
 * Ref names and revisions as the git tools accept them from a client. Every
 * name is hostile: isomorphic-git joins a ref to `.git/` and reads that file,
 * so a name that is not a well-formed ref could read any file on the host.
 * The rules are git's check-ref-format (one-level names allowed), plus no
 * leading "-" (it would read as an option to git itself).
 */

/** Namespaces a client may name or resolve into, in git's order for a short name; never `.git/` itself or `refs/` at large. */
export const REF_NAMESPACES = ['refs/tags/', 'refs/heads/', 'refs/remotes/'] as const;

export const ABBREVIATED_OID = /^[0-9a-f]{4,40}$/;
export const FULL_OID = /^[0-9a-f]{40}$/;

const FORBIDDEN_CHARACTERS = /[\u0000-\u0020\u007f~^:?*[\\]/;
const MAX_REF_LENGTH = 200;

/** Why `name` is not a valid ref name, or null when it is one. */
export function refNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_REF_LENGTH) return `is longer than ${MAX_REF_LENGTH} characters`;
  if (name === '@') return 'is "@"';
  if (name.startsWith('-')) return 'starts with "-"';
  if (name.startsWith('/') || name.endsWith('/')) return 'starts or ends with "/"';
  if (name.includes('//')) return 'contains "//"';
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  if (name.endsWith('.')) return 'ends with "."';
  if (FORBIDDEN_CHARACTERS.test(name)) return 'contains a space, a control character or one of ~ ^ : ? * [ \\';
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return 'has a part that starts with "."';
    if (component.endsWith('.lock')) return 'has a part that ends with ".lock"';
  }
  return null;
}

/** Why `name` cannot be a new local branch, or null. */
export function branchNameProblem(name: string): string | null {
  const problem = refNameProblem(name);
  if (problem) return problem;
  if (name === 'HEAD') return 'is "HEAD"';
  if (name.startsWith('refs/')) return 'starts with "refs/" (give the short name, e.g. "feature/x")';
  return null;
}

/** Whether `ref` is a full ref name inside the namespaces a client may reach. */
export function isReachableFullRef(ref: string): boolean {
  return REF_NAMESPACES.some((ns) => ref.startsWith(ns) && ref.length > ns.length) && refNameProblem(ref) === null;
}

export interface RevisionStep {
  /** `~n`: the n-th first-parent ancestor; `^n`: the n-th parent (0 is the commit itself). */
  kind: '~' | '^';
  count: number;
}

export interface Revision {
  /** HEAD, a ref name or an (abbreviated) object id. */
  base: string;
  steps: RevisionStep[];
}

const MAX_STEP = 1000;

/** `main`, `refs/tags/v1`, `HEAD~2`, `abc1234^2`; or why the text is none of these. */
export function parseRevision(text: string): Revision | { problem: string } {
  // "~" and "^" cannot occur in a ref name, so the first one starts the suffix.
  const cut = text.search(/[~^]/);
  const base = cut === -1 ? text : text.slice(0, cut);
  const suffix = cut === -1 ? '' : text.slice(cut);
  if (base !== 'HEAD' && !ABBREVIATED_OID.test(base)) {
    const problem = refNameProblem(base);
    if (problem) return { problem: `must be HEAD, a branch, a tag or a commit id, optionally followed by ~N or ^N; "${base}" ${problem}` };
    if (base.startsWith('refs/') && !isReachableFullRef(base)) {
      return { problem: `may name refs only under ${REF_NAMESPACES.join(', ')}` };
    }
  }
  if (!/^(?:[~^]\d{0,4})*$/.test(suffix)) return { problem: 'may end only in ~N or ^N steps (for example main~2 or HEAD^2)' };
  const steps: RevisionStep[] = [];
  for (const match of suffix.matchAll(/([~^])(\d*)/g)) steps.push({ kind: match[1] === '~' ? '~' : '^', count: match[2] ? Number(match[2]) : 1 });
  if (steps.some((s) => s.count > MAX_STEP)) return { problem: `may step back at most ${MAX_STEP} commits at a time` };
  return { base, steps };
}

/** Why a client-given revision is unusable, or null. */
export function revisionProblem(text: string): string | null {
  const parsed = parseRevision(text);
  return 'problem' in parsed ? parsed.problem : null;
}
