import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allowedNpmEnv, npmEnvName, PINNED_NPM_KEYS, sandboxNpmEnv } from './npm-config.js';
import { readProjectNpmConfig } from './project-npmrc.js';

describe('the allowlist of a project\'s npm settings', () => {
  it('keeps allowed keys with valid values, and nothing else', () => {
    const text = [
      '; a comment',
      'legacy-peer-deps = true',
      'save-prefix="~"',
      'omit=dev',
      'engine-strict=yes',
      'git=./evil.sh',
      'registry=https://evil.invalid/',
      '//registry.npmjs.org/:_authToken=secret',
      'install-strategy=${HOME}',
      '[section]',
      'strict-peer-deps=true',
    ].join('\r\n');
    expect(allowedNpmEnv(text)).toEqual({ npm_config_legacy_peer_deps: 'true', npm_config_save_prefix: '~', npm_config_omit: 'dev' });
  });

  it('lets a later line win, as npm does', () => {
    expect(allowedNpmEnv('save-exact=true\nsave-exact=false\n')).toEqual({ npm_config_save_exact: 'false' });
  });

  it('pins every program and config-file key over whatever was allowed', () => {
    const env = sandboxNpmEnv({ npm_config_legacy_peer_deps: 'true' });
    for (const [key, value] of Object.entries(PINNED_NPM_KEYS)) expect(env[npmEnvName(key)]).toBe(value);
    // npm ignores empty variables: a pin must have a value to hold.
    expect(Object.values(PINNED_NPM_KEYS).every((v) => v.length > 0)).toBe(true);
    expect(env.npm_config_legacy_peer_deps).toBe('true');
  });
});

describe('reading the project\'s .npmrc', () => {
  const dir = { path: mkdtempSync(join(tmpdir(), 'autodev-npmrc-read-')) };
  afterAll(() => rmSync(dir.path, { recursive: true, force: true }));
  const workspace = (name: string, make: (path: string) => void) => {
    const root = join(dir.path, name);
    mkdirSync(root);
    make(join(root, '.npmrc'));
    return root;
  };

  it('refuses a link, a folder or a FIFO without reading it', async () => {
    const secret = join(dir.path, 'secret');
    writeFileSync(secret, 'legacy-peer-deps=true\n_authToken=TOPSECRET\n');
    const cases = [
      workspace('link', (p) => symlinkSync(secret, p)),
      workspace('folder', (p) => mkdirSync(p)),
      workspace('fifo', (p) => execFileSync('mkfifo', [p])),
    ];
    for (const root of cases) {
      const read = await readProjectNpmConfig(root);
      expect(read.ok).toBe(false);
      expect(JSON.stringify(read)).not.toContain('TOPSECRET');
    }
  });

  it('reads a regular file, and a missing one as no settings', async () => {
    expect(await readProjectNpmConfig(workspace('file', (p) => writeFileSync(p, 'legacy-peer-deps=true\n')))).toEqual({ ok: true, allowed: { npm_config_legacy_peer_deps: 'true' } });
    expect(await readProjectNpmConfig(workspace('none', () => undefined))).toEqual({ ok: true, allowed: {} });
  });
});
