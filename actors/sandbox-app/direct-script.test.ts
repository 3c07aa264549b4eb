import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { directNodeArgv, projectNpmSetup } from './direct-script.js';

const CLEAN = { hasLocalNodeBin: false, hasNpmrc: false };
const direct = (script: string, extra: Record<string, string> = {}) => directNodeArgv({ test: script, ...extra }, 'test', CLEAN);

describe('directNodeArgv', () => {
  it('runs a plain node script as node itself, with its arguments', () => {
    expect(direct('node --test')).toEqual(['node', '--test']);
    expect(direct('node')).toEqual(['node']);
    expect(direct('  node\tserver.js  ')).toEqual(['node', 'server.js']);
    expect(direct('node --test --experimental-test-coverage test/ src/a.test.mjs')).toEqual(['node', '--test', '--experimental-test-coverage', 'test/', 'src/a.test.mjs']);
    expect(direct('node --max-old-space-size=256 --import=@scope/pkg/register.js,x:y+z bin/run.js')).toEqual([
      'node',
      '--max-old-space-size=256',
      '--import=@scope/pkg/register.js,x:y+z',
      'bin/run.js',
    ]);
  });

  it('leaves to npm every script that the shell would change or that is not node', () => {
    for (const script of [
      'node "server.js"',
      "node 'server.js'",
      'node server.js && true',
      'node server.js || exit 1',
      'node server.js; echo done',
      'node server.js | tee log',
      'node server.js > out.log',
      'node server.js < in.txt',
      'node server.js &',
      'node $ENTRY',
      'node ${ENTRY}',
      'node `which x`',
      'node test/*.test.js',
      'node test/a?.js',
      'node test/[ab].js',
      'node ~/x.js',
      'node x.js # comment',
      'node a\\ b.js',
      'node x.js\nrm -rf /',
      'FOO=1 node x.js',
      'env FOO=1 node x.js',
      'nodemon server.js',
      'node-dev server.js',
      './node server.js',
      '/usr/bin/node server.js',
      'npm test',
      'npm run unit',
      'vitest run',
      'echo "Error: no test specified" && exit 1',
      '',
      '   ',
    ]) {
      expect(direct(script), script).toBeNull();
    }
  });

  it('leaves to npm a script with a pre or post script, which npm would run around it', () => {
    expect(direct('node --test', { pretest: 'node setup.js' })).toBeNull();
    expect(direct('node --test', { posttest: 'node teardown.js' })).toBeNull();
    // Another script's hooks do not matter.
    expect(direct('node --test', { prestart: 'node setup.js', postbuild: 'node x.js' })).toEqual(['node', '--test']);
  });

  it('leaves to npm a project that may supply its own node, or has an .npmrc, and a script that is not there', () => {
    expect(directNodeArgv({ start: 'node server.js' }, 'start', { hasLocalNodeBin: true, hasNpmrc: false })).toBeNull();
    expect(directNodeArgv({ start: 'node server.js' }, 'start', { hasLocalNodeBin: false, hasNpmrc: true })).toBeNull();
    expect(directNodeArgv({ start: 'node server.js' }, 'test', CLEAN)).toBeNull();
    expect(directNodeArgv({}, 'start', CLEAN)).toBeNull();
    // Not an own script: an inherited name is no script.
    expect(directNodeArgv({}, 'constructor', CLEAN)).toBeNull();
  });
});

describe('projectNpmSetup', () => {
  const root = mkdtempSync(join(tmpdir(), 'autodev-direct-script-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const project = (build: (dir: string) => void = () => {}) => {
    const dir = join(root, `p${++n}`);
    mkdirSync(dir);
    build(dir);
    return projectNpmSetup(dir);
  };

  it('finds no local node in a project without node_modules, or whose .bin has none', () => {
    expect(project()).toEqual({ hasLocalNodeBin: false, hasNpmrc: false });
    expect(project((d) => mkdirSync(join(d, 'node_modules')))).toEqual({ hasLocalNodeBin: false, hasNpmrc: false });
    expect(project((d) => mkdirSync(join(d, 'node_modules', '.bin'), { recursive: true }))).toEqual({ hasLocalNodeBin: false, hasNpmrc: false });
  });

  it('counts a node in node_modules/.bin of any kind, a dangling link included, and an .npmrc', () => {
    const bin = (d: string) => {
      mkdirSync(join(d, 'node_modules', '.bin'), { recursive: true });
      return join(d, 'node_modules', '.bin', 'node');
    };
    expect(project((d) => writeFileSync(bin(d), '#!/bin/sh\n')).hasLocalNodeBin).toBe(true);
    expect(project((d) => symlinkSync(process.execPath, bin(d))).hasLocalNodeBin).toBe(true);
    expect(project((d) => symlinkSync(join(d, 'nowhere'), bin(d))).hasLocalNodeBin).toBe(true);
    expect(project((d) => writeFileSync(join(d, '.npmrc'), 'node-options=--require ./x.js\n')).hasNpmrc).toBe(true);
  });

  it('counts node_modules or .bin that is a link as a local node it cannot rule out, without following it', () => {
    const outside = join(root, 'outside');
    mkdirSync(join(outside, '.bin'), { recursive: true });
    expect(project((d) => symlinkSync(outside, join(d, 'node_modules'))).hasLocalNodeBin).toBe(true);
    expect(
      project((d) => {
        mkdirSync(join(d, 'node_modules'));
        symlinkSync(join(outside, '.bin'), join(d, 'node_modules', '.bin'));
      }).hasLocalNodeBin,
    ).toBe(true);
  });
});
