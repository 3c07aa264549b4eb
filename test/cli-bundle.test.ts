import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { buildStamp } from '../cli/bundle-stamp.js';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from './helpers/env.js';

/**
 * bin/autodev.js runs the bundled CLI (scripts/bundle-cli.ts) only while the
 * bundle matches the compiled tree, so a `tsc` after the bundle never leaves
 * stale code running. Checked on a copy of the package's entry points, with a
 * loader hook naming the main module that ran.
 */
const HOOK = `data:text/javascript,${encodeURIComponent(
  "import{writeSync}from'node:fs';export async function load(url,context,next){if(url.endsWith('/main.js'))writeSync(2,'[main] '+url+'\\n');return next(url,context)}",
)}`;
const REGISTER = `--import=data:text/javascript,import{register}from"node:module";register(${JSON.stringify(HOOK)})`;

const copies: Array<{ cleanup: () => void }> = [];

/** bin/ and dist/ as the package has them: the compiled modules linked in, the bundle copied and stamped as bundle-cli does. */
function packageCopy(): { root: string; info: string } {
  const dir = tempDir('bundle');
  copies.push(dir);
  mkdirSync(join(dir.path, 'bin'));
  mkdirSync(join(dir.path, 'dist'));
  copyFileSync(join(REPO_ROOT, 'bin', 'autodev.js'), join(dir.path, 'bin', 'autodev.js'));
  writeFileSync(join(dir.path, 'package.json'), '{"type":"module"}');
  for (const entry of ['cli', 'proto']) symlinkSync(join(REPO_ROOT, 'dist', entry), join(dir.path, 'dist', entry));
  const bundle = join(dir.path, 'dist', 'cli-bundle');
  cpSync(join(REPO_ROOT, 'dist', 'cli-bundle'), bundle, { recursive: true });
  const info = join(dir.path, 'dist', '.tsbuildinfo');
  copyFileSync(join(REPO_ROOT, 'dist', '.tsbuildinfo'), info);
  writeFileSync(join(bundle, 'stamp.json'), JSON.stringify(buildStamp(statSync(info))));
  return { root: dir.path, info };
}

/** The real path of the main module `autodev --help` ran from the copy. */
function mainThatRan(root: string): string {
  const run = spawnSync(process.execPath, [REGISTER, join(root, 'bin', 'autodev.js'), '--help'], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toContain('Usage: autodev COMMAND');
  const mains = run.stderr.split('\n').filter((l) => l.startsWith('[main] '));
  expect(mains).toHaveLength(1);
  return (mains[0] ?? '').slice('[main] file://'.length);
}

describe('the bundled CLI', () => {
  afterAll(() => copies.forEach((c) => c.cleanup()));

  it('runs while its stamp matches the compiled tree, and the compiled modules run once tsc changed that tree', () => {
    const { root, info } = packageCopy();
    expect(mainThatRan(root)).toBe(join(root, 'dist', 'cli-bundle', 'main.js'));
    // What any later tsc does: it rewrites the build info.
    writeFileSync(info, `${readFileSync(info, 'utf8')} `);
    // The compiled modules are linked in: node names them by their real path.
    expect(mainThatRan(root)).toBe(join(REPO_ROOT, 'dist', 'cli', 'main.js'));
  });

  it('falls back to the compiled modules where no bundle was made', () => {
    const { root } = packageCopy();
    rmSync(join(root, 'dist', 'cli-bundle'), { recursive: true });
    expect(mainThatRan(root)).toBe(join(REPO_ROOT, 'dist', 'cli', 'main.js'));
  });
});
