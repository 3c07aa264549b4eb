import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRegistryNpm } from '../actors/validation/registry-npm.js';
import { tempDir } from './helpers/env.js';

/**
 * Issue 14 item 9: with no sandbox, dependency installs run npm on the host,
 * and the project's own .npmrc (`git=./evil.sh`) made npm run a program of
 * the project's choosing despite --ignore-scripts.
 */
describe('npm on the host ignores the generated project\'s npm configuration', () => {
  const dir = tempDir('npmrc');
  afterAll(() => dir.cleanup());

  /** A project whose .npmrc names its own program as git, and that needs git to resolve a dependency. */
  function hostileProject(name: string, dependencies: Record<string, string>): { workspace: string; marker: string } {
    const workspace = join(dir.path, name);
    const marker = join(dir.path, `${name}-PWNED`);
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'evil.sh'), `#!/bin/sh\ntouch ${marker}\nexit 1\n`, { mode: 0o755 });
    writeFileSync(join(workspace, '.npmrc'), `git=./evil.sh\nscript-shell=./evil.sh\nnode-options=--require ./evil.js\n`);
    writeFileSync(join(workspace, 'evil.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, '')\n`);
    writeFileSync(join(workspace, 'package.json'), JSON.stringify({ name, version: '1.0.0', dependencies }));
    return { workspace, marker };
  }

  it('a git dependency is resolved with the real git, never the project\'s evil.sh', async () => {
    const { workspace, marker } = hostileProject('gitdep', { x: 'git+https://example.invalid/x.git' });
    const run = await runRegistryNpm(['install', '--no-audit', '--no-fund'], { sandbox: null, workspace, timeoutMs: 60_000 });
    expect(run.ranIn).toBe('host');
    // The install fails (the host does not exist), but through git, not through the project's program.
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).not.toContain('evil.sh');
    expect(existsSync(marker)).toBe(false);
  });

  it('installs into the workspace, replacing a node_modules that a sandbox turned into a link to a host folder', async () => {
    const { workspace, marker } = hostileProject('registrydep', { 'is-number': '7.0.0' });
    const outside = join(dir.path, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(workspace, 'node_modules'));
    const run = await runRegistryNpm(['install', '--no-audit', '--no-fund'], { sandbox: null, workspace, timeoutMs: 120_000 });
    if (run.exitCode !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(run.stderr)) {
      console.log('registry unreachable: only the no-follow half of this test ran');
    } else {
      expect(run.exitCode).toBe(0);
      expect(existsSync(join(workspace, 'node_modules', 'is-number', 'package.json'))).toBe(true);
      expect(existsSync(join(workspace, 'package-lock.json'))).toBe(true);
    }
    expect(lstatSync(join(workspace, 'node_modules')).isSymbolicLink()).toBe(false);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    // No scratch folder is left beside the workspace.
    expect(readdirSync(dir.path).filter((n) => n.startsWith('.autodev-npm-'))).toEqual([]);
  });
});
