import { z } from 'zod';
import { branchNameProblem, revisionProblem } from './git-ref-name.js';
import { ToolError } from './tool.js';

/**
 * The git tools' argument schemas. A bad argument is refused at the MCP
 * boundary with a message naming the field; the resolver checks again.
 */

function checked(schema: z.ZodString, problemOf: (value: string) => string | null) {
  return schema.superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

export const BranchName = checked(z.string().min(1).max(200), (name) => {
  const problem = branchNameProblem(name);
  return problem ? `must be a plain branch name (git ref-name rules): it ${problem}` : null;
});

export const Revision = checked(z.string().min(1).max(250), revisionProblem);

/** Why `path` is not a repository-relative path outside .git, or null. */
export function repoPathProblem(path: string): string | null {
  if (path.includes('\0')) return 'contains a NUL character';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute';
  const segments = path.split(/[\\/]/);
  if (segments.includes('..')) return 'contains ".."';
  if (segments.some((s) => s === '' || s === '.')) return 'has an empty or "." segment';
  if (segments.some((s) => s.toLowerCase() === '.git')) return 'is inside .git';
  return null;
}

export const RepoPath = checked(z.string().min(1).max(500), (path) => {
  const problem = repoPathProblem(path);
  return problem ? `must be a path relative to the repository root, as git_status lists it: it ${problem}` : null;
});

/** The names of remotes a client may name: configured ones only, never a URL or a path. */
export const RemoteName = z.string().min(1).max(100);

/**
 * isomorphic-git puts what it read (a ref file's content, an object's path)
 * into its error messages. Only its stable error code reaches a client, with
 * the action, so no message can carry a file's content out.
 */
export function gitFailure(action: string, error: unknown): ToolError {
  if (error instanceof ToolError) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const named = typeof code === 'string' && /^[A-Za-z_]{1,40}$/.test(code) ? code : 'unknown error';
  return new ToolError('failed', `${action} failed (${named}); check the repository with git_status and git_log, then try again`, { cause: error });
}
