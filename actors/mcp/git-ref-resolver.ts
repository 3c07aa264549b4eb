import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import { gitFs as fs } from '../git/git-fs.js';
import { ABBREVIATED_OID, FULL_OID, isReachableFullRef, parseRevision, REF_NAMESPACES, type RevisionStep } from './git-ref-name.js';
import { ToolError } from './tool.js';
import { isPathInside } from '../fs/path-inside.js';

const MAX_REF_FILE_BYTES = 1024;
const MAX_PACKED_REFS_BYTES = 16 * 1024 * 1024;
const MAX_SYMREF_DEPTH = 5;

/**
 * Resolves client-given revisions in one repository without handing the
 * client's text to isomorphic-git's ref lookup (which reads whatever file
 * `.git/<text>` names and puts its content in the error). Refs are read here,
 * only under refs/heads, refs/tags and refs/remotes (and HEAD), never through
 * a symlink; a symbolic ref must point into those namespaces too. Messages
 * name the argument and the ref, never what a file held.
 */
export class RefResolver {
  constructor(readonly dir: string) {}

  private get gitdir(): string {
    return join(this.dir, '.git');
  }

  /** The commit that `text` (HEAD, a ref, an object id, with ~N/^N steps) names. */
  async commit(text: string, argument: string): Promise<string> {
    const parsed = parseRevision(text);
    if ('problem' in parsed) throw new ToolError('invalid', `${argument} "${text}" ${parsed.problem}`);
    let oid = await this.baseObject(parsed.base, argument, text);
    oid = await this.peelToCommit(oid, argument, text);
    for (const step of parsed.steps) oid = await this.step(oid, step, argument, text);
    return oid;
  }

  /** The commit HEAD points at, or null before the first commit. */
  async head(): Promise<string | null> {
    const target = await this.readRef('HEAD', 'HEAD');
    if (target === null) return null;
    // An unborn branch: HEAD names a branch that has no commit yet.
    const symbolic = target.match(/^ref: (.+)$/)?.[1];
    if (symbolic && isReachableFullRef(symbolic) && (await this.readRef(symbolic, 'HEAD')) === null) return null;
    return this.follow(target, 'HEAD', 'HEAD', 0);
  }

  /** The checked-out branch's short name, or null when HEAD is detached (or not a branch under refs/heads). */
  async currentBranch(): Promise<string | null> {
    const target = await this.readRef('HEAD', 'HEAD');
    const match = target?.match(/^ref: (refs\/heads\/.+)$/);
    return match?.[1] && isReachableFullRef(match[1]) ? match[1].slice('refs/heads/'.length) : null;
  }

  /** The commit local branch `name` points at, or null when there is no such branch. */
  async branch(name: string, argument: string): Promise<string | null> {
    const full = `refs/heads/${name}`;
    if (!isReachableFullRef(full)) throw new ToolError('invalid', `${argument} "${name}" is not a valid branch name`);
    const target = await this.readRef(full, argument);
    return target === null ? null : this.follow(target, argument, full, 0);
  }

  private async baseObject(base: string, argument: string, text: string): Promise<string> {
    if (base === 'HEAD') {
      const head = await this.head();
      if (!head) throw new ToolError('not_found', `${argument}: HEAD has no commit yet; commit something first`);
      return head;
    }
    if (FULL_OID.test(base)) return base;
    // git's order: the name as a full ref, then tags, heads and remote branches; an object id last.
    const candidates = base.startsWith('refs/') ? [base] : REF_NAMESPACES.map((ns) => `${ns}${base}`);
    for (const full of candidates) {
      const target = await this.readRef(full, argument);
      if (target !== null) return this.follow(target, argument, full, 0);
    }
    if (ABBREVIATED_OID.test(base)) {
      try {
        return await git.expandOid({ fs, dir: this.dir, oid: base });
      } catch (error) {
        if (isGitError(error, 'AmbiguousError')) throw new ToolError('invalid', `${argument} "${text}": several objects start with "${base}"; give more digits`);
      }
    }
    throw new ToolError('not_found', `${argument}: no branch, tag or commit "${text}"; list them with git_branch and git_log`);
  }

  /** A ref file's content to an object id, following symbolic refs that stay inside the reachable namespaces. */
  private async follow(content: string, argument: string, ref: string, depth: number): Promise<string> {
    if (FULL_OID.test(content)) return content;
    const symbolic = content.match(/^ref: (.+)$/)?.[1];
    if (symbolic === undefined || !isReachableFullRef(symbolic) || depth >= MAX_SYMREF_DEPTH) {
      throw new ToolError('failed', `${argument}: the ref ${ref} in the repository is neither a commit id nor a branch reference; repair or delete it`);
    }
    const next = await this.readRef(symbolic, argument);
    if (next === null) throw new ToolError('not_found', `${argument}: ${ref} points at ${symbolic}, which has no commit yet`);
    return this.follow(next, argument, symbolic, depth + 1);
  }

  private async peelToCommit(oid: string, argument: string, text: string): Promise<string> {
    try {
      // readCommit peels annotated tags to the commit they name.
      return (await git.readCommit({ fs, dir: this.dir, oid })).oid;
    } catch {
      throw new ToolError('not_found', `${argument}: "${text}" names no commit in this repository`);
    }
  }

  private async step(oid: string, step: RevisionStep, argument: string, text: string): Promise<string> {
    const parentOf = async (commit: string, index: number): Promise<string> => {
      const { commit: body } = await git.readCommit({ fs, dir: this.dir, oid: commit });
      const parent = body.parent[index];
      if (!parent) throw new ToolError('not_found', `${argument}: "${text}" steps past the first commit or a missing parent`);
      return parent;
    };
    if (step.kind === '^') return step.count === 0 ? oid : parentOf(oid, step.count - 1);
    let current = oid;
    for (let i = 0; i < step.count; i++) current = await parentOf(current, 0);
    return current;
  }

  /**
   * The trimmed content of loose ref `name`, or its packed value, or null when
   * the ref does not exist. A symlinked ref, or a folder on the way that leads
   * out of .git, is refused: a writable .git must not become a file reader.
   */
  private async readRef(name: string, argument: string): Promise<string | null> {
    const loose = await this.readInsideGitdir(name, MAX_REF_FILE_BYTES, argument);
    if (loose !== null) return loose.trim();
    if (name === 'HEAD') return null;
    return (await this.packedRefs(argument)).get(name) ?? null;
  }

  private async packedRefs(argument: string): Promise<Map<string, string>> {
    const refs = new Map<string, string>();
    const text = await this.readInsideGitdir('packed-refs', MAX_PACKED_REFS_BYTES, argument);
    for (const line of text?.split('\n') ?? []) {
      const match = line.match(/^([0-9a-f]{40}) (refs\/\S+)$/);
      if (match?.[1] && match[2]) refs.set(match[2], match[1]);
    }
    return refs;
  }

  private async readInsideGitdir(name: string, maxBytes: number, argument: string): Promise<string | null> {
    const corrupt = () => new ToolError('failed', `${argument}: .git/${name} in the repository is not a plain file inside .git; repair the repository`);
    const gitdir = await lstat(this.gitdir).catch(() => null);
    if (!gitdir?.isDirectory()) throw new ToolError('not_found', 'no git repository in the job workspace (or .git is not a folder); create one with git_init');
    const path = join(this.gitdir, name);
    const parent = await realpath(dirname(path)).catch(() => null);
    if (parent === null) return null;
    if (!isPathInside(await realpath(this.gitdir), parent)) throw corrupt();
    let handle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw corrupt();
    }
    try {
      const stat = await handle.stat();
      if (stat.isDirectory()) return null;
      if (!stat.isFile() || stat.size > maxBytes) throw corrupt();
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }
}


export function isGitError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
