import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, setUpApp, type Manifest } from '../actors/sandbox-app/app-setup.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { ensureBaseImage } from '../actors/sandbox/docker-image.js';
import { DockerSandbox } from '../actors/sandbox/docker-sandbox.js';
import { RegistryProxy } from '../actors/sandbox/registry-proxy.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { PINNED_NPM_KEYS } from '../actors/sandbox-app/npm-config.js';
import { runRegistryNpm } from '../actors/sandbox-app/registry-npm.js';
import { bwrapSkipReason } from './helpers/bwrap.js';
import { dockerSkipReason, useSharedDocker, type TestDocker } from './helpers/docker.js';
import { startFakeNpmRegistry, type FakeNpmRegistry } from './helpers/fake-npm-registry.js';
import { tempDir } from './helpers/env.js';

/**
 * Issue 14 item 9: with no sandbox, dependency installs run npm on the host,
 * and the project's own .npmrc (`git=./evil.sh`) made npm run a program of
 * the project's choosing despite --ignore-scripts.
 */
describe('npm on the host ignores the generated project\'s npm configuration', () => {
  let dir: { path: string; cleanup: () => void };
  let registry: FakeNpmRegistry;
  beforeAll(async () => {
    dir = tempDir('npmrc');
    registry = await startFakeNpmRegistry(join(dir.path, 'registry'), PEER_CONFLICT);
  });
  afterAll(async () => {
    await registry?.close();
    dir?.cleanup();
  });

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

  it('still applies an allowed setting of the project\'s (legacy-peer-deps)', async () => {
    const install = (workspace: string) =>
      runRegistryNpm(['install', '--no-audit', '--no-fund', `--registry=${registry.url}`], { sandbox: null, workspace, timeoutMs: 60_000 });
    const strict = peerConflictApp(join(dir.path, 'peer-strict'), '');
    expect((await install(strict)).stderr).toContain('ERESOLVE');
    const legacy = peerConflictApp(join(dir.path, 'peer-legacy'), 'legacy-peer-deps=true\n');
    const run = await install(legacy);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(existsSync(join(legacy, 'node_modules', 'a', 'package.json'))).toBe(true);
  });
});

/** `a` wants `b` ^2 as a peer; the app pins `b` 1: npm refuses the tree unless told legacy-peer-deps. */
const PEER_CONFLICT = [
  { name: 'a', version: '1.0.0', manifest: { peerDependencies: { b: '^2.0.0' } } },
  { name: 'b', version: '1.0.0' },
];

function peerConflictApp(workspace: string, npmrc: string): string {
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'package.json'), JSON.stringify({ name: 'peer', version: '1.0.0', dependencies: { a: '1.0.0', b: '1.0.0' } }));
  if (npmrc) writeFileSync(join(workspace, '.npmrc'), npmrc);
  return workspace;
}

/**
 * Issue 19 item 4: in the sandbox, npm read the app's .npmrc during the
 * registry-network install, and `git=/workspace/evil.sh` ran the app's
 * program while the registry proxy answered. Each key that names a program,
 * a module or a config file is set by the app to its own program (which
 * leaves a PWNED-<key> file in the workspace), then the npm command that
 * would use it runs the way the daemon runs npm.
 */
const EVIL = '/workspace/evil';
const PROGRAMS: Record<string, string> = {
  git: 'git.sh',
  'script-shell': 'script-shell.sh',
  shell: 'shell.sh',
  editor: 'editor.sh',
  browser: 'browser.sh',
  viewer: 'viewer.sh',
  'node-gyp': 'node-gyp.js',
  'node-options': 'node-options.js',
  'init-module': 'init-module.js',
};
const npmrcLine = (key: string) => (key === 'node-options' ? `node-options=--require ${EVIL}/${PROGRAMS[key]}` : `${key}=${EVIL}/${PROGRAMS[key]}`);

/** Writes the app's programs and files; returns the workspace. */
function hostileApp(workspace: string, files: { npmrc: string | null; manifest: Record<string, unknown>; extra?: Record<string, string> }): string {
  mkdirSync(join(workspace, 'evil'), { recursive: true });
  for (const [key, file] of Object.entries(PROGRAMS)) {
    const marker = `/workspace/PWNED-${key}`;
    const body = file.endsWith('.sh')
      ? `#!/bin/sh\n: > ${marker}\nexit 0\n`
      : `require('fs').writeFileSync(${JSON.stringify(marker)}, '');\nmodule.exports = {};\n`;
    writeFileSync(join(workspace, 'evil', file), body, { mode: 0o755 });
  }
  for (const key of ['userconfig', 'globalconfig']) {
    writeFileSync(join(workspace, 'evil', `git-${key}.sh`), `#!/bin/sh\n: > /workspace/PWNED-${key}\nexit 0\n`, { mode: 0o755 });
  }
  writeFileSync(join(workspace, 'package.json'), JSON.stringify({ version: '1.0.0', ...files.manifest }));
  if (files.npmrc !== null) writeFileSync(join(workspace, '.npmrc'), files.npmrc);
  for (const [path, text] of Object.entries(files.extra ?? {})) {
    mkdirSync(join(workspace, path, '..'), { recursive: true });
    writeFileSync(join(workspace, path), text);
  }
  return workspace;
}

const markers = (workspace: string) => readdirSync(workspace).filter((name) => name.startsWith('PWNED-'));
const GIT_DEPENDENCY = { x: 'git+https://example.invalid/x.git' };
const INSTALL = ['install', '--no-audit', '--no-fund'];

function sandboxSuite(makeSandbox: (proxy: RegistryProxy) => Promise<Sandbox>, release: () => Promise<void>) {
  let dir: { path: string; cleanup: () => void };
  let sandbox: Sandbox;
  let proxy: RegistryProxy;
  let registry: FakeNpmRegistry;
  let count = 0;
  const fresh = (name: string) => join(dir.path, `${name}-${count++}`);
  const npm = (args: string[], workspace: string) => runRegistryNpm(args, { sandbox, workspace, timeoutMs: 60_000 });

  beforeAll(async () => {
    dir = tempDir('npmrc-sbx');
    registry = await startFakeNpmRegistry(join(dir.path, 'registry'), PEER_CONFLICT);
    proxy = new RegistryProxy({ dir: join(dir.path, 'proxy'), registries: [registry.url] });
    await proxy.start();
    sandbox = await makeSandbox(proxy);
  });
  afterAll(async () => {
    await sandbox?.close();
    await proxy?.close();
    await registry?.close();
    await release();
    dir?.cleanup();
  });

  it('npm\'s effective configuration has none of the values the app chose, for every key that names a program or a config file', async () => {
    const workspace = hostileApp(fresh('dump'), {
      npmrc: [
        ...Object.keys(PROGRAMS).map(npmrcLine),
        `userconfig=${EVIL}/user.npmrc`,
        `globalconfig=${EVIL}/global.npmrc`,
        'registry=http://evil.invalid/',
        'legacy-peer-deps=true',
        '',
      ].join('\n'),
      manifest: { name: 'dump' },
      extra: { 'evil/user.npmrc': 'tag=pwned-userconfig\n', 'evil/global.npmrc': 'preid=pwned-globalconfig\n' },
    });
    const run = await npm(['config', 'ls', '-l', '--json'], workspace);
    expect(run.ranIn).toBe('sandbox');
    expect(run.exitCode, run.stderr).toBe(0);
    const config = JSON.parse(run.stdout) as Record<string, unknown>;
    const fromApp = Object.entries(config).filter(([, value]) => /evil/.test(JSON.stringify(value)));
    expect(fromApp).toEqual([]);
    for (const [key, value] of Object.entries(PINNED_NPM_KEYS)) expect(String(config[key]), key).toBe(value);
    // Neither config file the app named was read.
    expect(config.tag).toBe('latest');
    expect(config.preid).toBe('');
    // The one allowed setting still reaches npm.
    expect(config['legacy-peer-deps']).toBe(true);
    expect(markers(workspace)).toEqual([]);
  });

  it('an install with a git dependency runs the real git, not the app\'s, even when a config file the app named sets it', async () => {
    const direct = hostileApp(fresh('git'), { npmrc: `${npmrcLine('git')}\n`, manifest: { name: 'git', dependencies: GIT_DEPENDENCY } });
    // npm reads a config file's path from the project's .npmrc, then that file: it names git here.
    const via = (key: 'userconfig' | 'globalconfig') =>
      hostileApp(fresh(key), {
        npmrc: `${key}=${EVIL}/${key}.npmrc\n`,
        manifest: { name: key, dependencies: GIT_DEPENDENCY },
        extra: { [`evil/${key}.npmrc`]: `git=${EVIL}/git-${key}.sh\n` },
      });
    for (const workspace of [direct, via('userconfig'), via('globalconfig')]) {
      const run = await npm(INSTALL, workspace);
      expect.soft(run.ranIn).toBe('sandbox');
      expect.soft(markers(workspace)).toEqual([]);
      // It fails: the proxy refuses every host but the registry, so the real git cannot reach example.invalid.
      expect.soft(run.exitCode).not.toBe(0);
      expect.soft(run.stderr).toMatch(/git --no-replace-objects ls-remote https:\/\/example\.invalid/);
    }
  });

  it('npm\'s shell, editor and init module are never the app\'s, whatever npm is asked to run', async () => {
    const workspace = hostileApp(fresh('programs'), {
      npmrc: `${['shell', 'editor', 'init-module', 'browser', 'viewer'].map(npmrcLine).join('\n')}\n`,
      manifest: { name: 'programs', homepage: 'https://example.invalid/' },
      extra: { 'node_modules/x/package.json': '{"name":"x","version":"1.0.0"}' },
    });
    // Each command ends the way npm's own programs make it end: sh exits at once, /bin/false fails the edit, urls are printed.
    const expected: Array<[string[], number, RegExp]> = [
      [['explore', 'x'], 0, /Exploring \/workspace\/node_modules\/x/],
      [['edit', 'x'], 1, /editor process exited with code: 1/],
      [['init', '-y'], 0, /"name": "programs"/],
      [['docs'], 0, /https:\/\/example\.invalid\//],
      [['help', 'install'], 0, /npm-install\.html/],
    ];
    for (const [args, exitCode, output] of expected) {
      const run = await npm(args, workspace);
      expect.soft(run.ranIn).toBe('sandbox');
      expect.soft({ exitCode: run.exitCode, matches: output.test(run.stdout + run.stderr) }, `npm ${args.join(' ')}: ${run.stdout}${run.stderr}`).toEqual({ exitCode, matches: true });
      expect.soft(markers(workspace), args.join(' ')).toEqual([]);
    }
  });

  it('the app\'s node-options are not used by the rebuild, nor its script-shell or node-gyp by the build', async () => {
    const apps: Array<[string, string, Record<string, unknown>, Record<string, string>, string[]]> = [
      // npm passes node-options as NODE_OPTIONS to every install script the rebuild runs.
      ['rebuild', 'node-options', { dependencies: { s: 'file:s' } }, { 's/package.json': JSON.stringify({ name: 's', version: '1.0.0', scripts: { install: 'node -e 0' } }) }, ['install passed', 'rebuild passed']],
      ['shell', 'script-shell', { scripts: { build: 'node -e 0' } }, {}, ['build passed']],
      // A script's `node-gyp` is npm's shim, which runs whatever the node-gyp key names.
      ['gyp', 'node-gyp', { scripts: { build: 'node-gyp --version' } }, {}, ['build passed']],
    ];
    for (const [name, key, manifest, extra, expected] of apps) {
      const workspace = hostileApp(fresh(name), { npmrc: `${npmrcLine(key)}\n`, manifest: { name, ...manifest }, extra });
      const steps = await setUpApp((await readManifest(workspace)) as Manifest, { sandbox, workspace, installTimeoutMs: 60_000, buildTimeoutMs: 60_000, rebuildTimeoutMs: 60_000 });
      expect.soft(markers(workspace), key).toEqual([]);
      // Each step ran and passed: with the app's programs gone, npm used its own node, sh and node-gyp.
      const ran = steps.filter((s) => s.status !== 'skipped').map((s) => `${s.name} ${s.status}`);
      expect.soft(ran, JSON.stringify(steps)).toEqual(expected);
    }
  });

  it('an .npmrc that is a link stops npm before it runs, and what the link points at is never shown', async () => {
    const secret = join(dir.path, 'host.npmrc');
    writeFileSync(secret, `${npmrcLine('git')}\n//registry.npmjs.org/:_authToken=SECRET-HOST-TOKEN\n`);
    const toHost = hostileApp(fresh('link-host'), { npmrc: null, manifest: { name: 'link', dependencies: GIT_DEPENDENCY } });
    const inside = hostileApp(fresh('link-inside'), {
      npmrc: null,
      manifest: { name: 'link', dependencies: GIT_DEPENDENCY },
      extra: { 'evil/rc': `${npmrcLine('git')}\n` },
    });
    for (const [workspace, target] of [[toHost, secret], [inside, 'evil/rc']] as const) {
      symlinkSync(target, join(workspace, '.npmrc'));
      const run = await npm(INSTALL, workspace);
      expect.soft(run.exitCode).not.toBe(0);
      expect.soft(run.stderr).toContain('.npmrc is a symbolic link');
      expect.soft(run.stderr + run.stdout).not.toContain('SECRET-HOST-TOKEN');
      expect.soft(markers(workspace)).toEqual([]);
      // The sandbox refuses to mask a link too, whoever asks it.
      await expect(sandbox.run(['true'], { workspace, maskedEntries: ['.npmrc'] })).rejects.toMatchObject({ code: 'sandbox_bad_request' });
    }
  });

  it('an allowed setting (legacy-peer-deps) still takes effect in the sandbox', async () => {
    const install = (workspace: string) => npm([...INSTALL, `--registry=${registry.url}`], workspace);
    const strict = await install(peerConflictApp(fresh('peer-strict'), ''));
    expect(strict.ranIn).toBe('sandbox');
    expect(strict.stderr).toContain('ERESOLVE');
    const workspace = peerConflictApp(fresh('peer-legacy'), 'legacy-peer-deps=true\n');
    const run = await install(workspace);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(existsSync(join(workspace, 'node_modules', 'a', 'package.json'))).toBe(true);
  });
}

const noBwrap = bwrapSkipReason();
describe.skipIf(noBwrap)(`npm in the bubblewrap sandbox takes its configuration from the daemon only${noBwrap ? ` (skipped: ${noBwrap})` : ''}`, () => {
  sandboxSuite(async (proxy) => new BubblewrapSandbox({ registry: proxy }), async () => undefined);
});

const noDocker = dockerSkipReason();
describe.skipIf(noDocker)(`npm in the Docker sandbox takes its configuration from the daemon only${noDocker ? ` (skipped: ${noDocker})` : ''}`, () => {
  let engine: TestDocker | undefined;
  sandboxSuite(
    async (proxy) => {
      engine = useSharedDocker();
      await ensureBaseImage(engine.docker, 'autodev-npmrc-test:1');
      // No warm pool: registry runs are always cold, and so is every run with a masked file.
      return new DockerSandbox({ docker: engine.docker, image: 'autodev-npmrc-test:1', owner: 'test-npmrc', registry: proxy });
    },
    async () => engine?.stop(),
  );
});
