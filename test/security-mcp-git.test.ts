import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initJobRepo } from '../actors/git/repo.js';
import { callOk, callTool, connectServer, errorText, jobContext } from './helpers/mcp.js';
import { tempDir } from './helpers/env.js';

// Issue 14 item 1: every git tool argument that names a ref, branch, path or remote is hostile.
// A secret file lies outside the job repository; no argument may bring its content back.
const home = tempDir('sec-mcp-git');
const jobsDir = join(home.path, 'jobs');
const SECRET = 'zz-secret-token-value-7f3q';
const secretFile = join(home.path, 'token');
let git: Client;
let repo: string;

beforeAll(async () => {
  writeFileSync(secretFile, `${SECRET}\n`);
  const ctx = jobContext(jobsDir, 'jsec');
  repo = ctx.workspace;
  await initJobRepo(repo, [{ path: 'README.md', content: '# app\n' }], 'initial');
  git = await connectServer('git', ctx);
});
afterAll(async () => {
  await git.close();
  home.cleanup();
});

/** Paths that name the secret from the repository's .git folder, from refs/, and absolutely. */
function secretPaths(): string[] {
  const fromGitDir = relative(join(repo, '.git'), secretFile);
  return [
    fromGitDir,
    `refs/${fromGitDir}`,
    `refs/heads/../../${fromGitDir}`,
    `./${fromGitDir}`,
    secretFile,
    `/${fromGitDir}`,
    `HEAD:../${fromGitDir}`,
    `${fromGitDir}~1`,
    `-${fromGitDir}`,
    `main@{../${fromGitDir}}`,
  ];
}

describe('git ref arguments', () => {
  it('git_log refuses a ref that names a file outside refs/, and never echoes its content', async () => {
    for (const ref of secretPaths()) {
      const result = await callTool(git, 'git_log', { ref });
      expect(result.isError, ref).toBe(true);
      expect(errorText(result), ref).not.toContain(SECRET);
      expect(errorText(result), ref).toMatch(/ref/);
    }
  });

  it('every other ref argument refuses the same names', async () => {
    for (const ref of secretPaths()) {
      for (const [tool, args] of [
        ['git_diff', { from: ref, to: 'HEAD' }],
        ['git_diff', { from: 'HEAD', to: ref }],
        ['git_merge', { theirs: ref }],
        ['git_branch', { name: 'x1', from: ref }],
        ['git_branch', { name: ref }],
        ['git_push', { remote: 'origin', ref }],
      ] as const) {
        const result = await callTool(git, tool, args);
        expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
        expect(errorText(result), `${tool} ${JSON.stringify(args)}`).not.toContain(SECRET);
      }
    }
  });

  it('a ref that passes the name rules but does not exist is answered with a fixed message', async () => {
    const result = await callTool(git, 'git_log', { ref: 'no-such-branch' });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toContain('no branch, tag or commit "no-such-branch"');
  });

  it('a symbolic ref in .git that points out of refs/ is refused without its content', async () => {
    // What a tampered .git would hold (sandboxed code with a writable .git could write it).
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'evil'), `ref: ${relative(join(repo, '.git'), secretFile)}\n`);
    mkdirSync(join(repo, '.git', 'refs', 'tags'), { recursive: true });
    symlinkSync(secretFile, join(repo, '.git', 'refs', 'tags', 'linked'));
    for (const ref of ['evil', 'refs/heads/evil', 'linked', 'refs/tags/linked']) {
      const result = await callTool(git, 'git_log', { ref });
      expect(result.isError, ref).toBe(true);
      expect(errorText(result), ref).not.toContain(SECRET);
      expect(errorText(result), ref).toContain('repair');
    }
  });

  it('still resolves branches, tags, HEAD, object ids and ~/^ suffixes', async () => {
    const head = await callOk<{ commits: Array<{ oid: string }> }>(git, 'git_log', {});
    const oid = head.commits[0]?.oid as string;
    for (const ref of ['HEAD', 'main', 'refs/heads/main', oid, oid.slice(0, 7)]) {
      expect((await callOk<{ commits: Array<{ oid: string }> }>(git, 'git_log', { ref })).commits[0]?.oid, ref).toBe(oid);
    }
    writeFileSync(join(repo, 'b.txt'), 'b\n');
    const second = await callOk<{ commit: string }>(git, 'git_commit', { message: 'second' });
    expect((await callOk<{ commits: Array<{ oid: string }> }>(git, 'git_log', { ref: 'main~1' })).commits[0]?.oid).toBe(oid);
    expect((await callOk<{ commits: Array<{ oid: string }> }>(git, 'git_log', { ref: 'HEAD^' })).commits[0]?.oid).toBe(oid);
    expect((await callOk<{ commits: Array<{ oid: string }> }>(git, 'git_log', { ref: 'main' })).commits[0]?.oid).toBe(second.commit);
  });
});

describe('git path arguments and the working tree', () => {
  it('git_commit refuses paths outside the repository or inside .git', async () => {
    for (const path of ['../token', '/etc/passwd', secretFile, '.git/config', 'a/../../token', '.GIT/HEAD']) {
      const result = await callTool(git, 'git_commit', { message: 'm', paths: [path] });
      expect(result.isError, path).toBe(true);
      expect(errorText(result), path).toContain('relative to the repository root');
    }
  });

  it('git_diff shows a symlink in the working tree as a link, never the file it points to', async () => {
    symlinkSync(secretFile, join(repo, 'leak.txt'));
    const diff = await callOk<{ patch: string; files: Array<{ path: string }> }>(git, 'git_diff', {});
    expect(diff.files.map((f) => f.path)).toContain('leak.txt');
    expect(diff.patch).not.toContain(SECRET);
    expect(diff.patch).toContain(secretFile);
  });
});

describe('git remote arguments', () => {
  it('git_push refuses a remote that is not configured, by name or by URL', async () => {
    for (const remote of ['origin', `file://${home.path}`, '../../remote', 'https://example.org/x.git']) {
      const result = await callTool(git, 'git_push', { remote });
      expect(result.isError, remote).toBe(true);
      expect(errorText(result), remote).toContain('not configured');
    }
  });
});
