import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
  // The bundle is CommonJS, which the loader hook does not see: its main names itself (and so no longer matches its code cache, which must not matter).
  appendFileSync(join(bundle, 'main.cjs'), `\nrequire('node:fs').writeSync(2, '[main] ' + require('node:url').pathToFileURL(__filename).href + '\\n');\n`);
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
    expect(mainThatRan(root)).toBe(join(root, 'dist', 'cli-bundle', 'main.cjs'));
    // What any later tsc does: it rewrites the build info.
    writeFileSync(info, `${readFileSync(info, 'utf8')} `);
    // The compiled modules are linked in: node names them by their real path.
    expect(mainThatRan(root)).toBe(join(REPO_ROOT, 'dist', 'cli', 'main.js'));
  });

  it('carries a V8 code cache for every chunk that a plain node accepts as it is', () => {
    const bundle = join(REPO_ROOT, 'dist', 'cli-bundle');
    const chunks = readdirSync(bundle).filter((f) => f.endsWith('.cjs'));
    expect(chunks).toContain('main.cjs');
    // What cli/bundle-loader.ts compiles (the CommonJS wrapper around each chunk, with its cache), in a node
    // started as `autodev` is: V8 checks a cache against its flags, and this worker's may differ.
    const check = `const{readFileSync:r}=require('node:fs');const M=require('node:module');const{Script:S}=require('node:vm');
      for(const f of JSON.parse(process.argv[1]))console.log(f+' '+new S(M.wrap(r(f,'utf8')),{filename:f,cachedData:r(f+'.v8cache')}).cachedDataRejected)`;
    const files = chunks.map((chunk) => join(bundle, chunk));
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_OPTIONS'));
    const run = spawnSync(process.execPath, ['-e', check, JSON.stringify(files)], { encoding: 'utf8', env });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(files.map((file) => `${file} false`));
  });

  it('falls back to the compiled modules where no bundle was made', () => {
    const { root } = packageCopy();
    rmSync(join(root, 'dist', 'cli-bundle'), { recursive: true });
    expect(mainThatRan(root)).toBe(join(REPO_ROOT, 'dist', 'cli', 'main.js'));
  });
});
