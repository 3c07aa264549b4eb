import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppStep } from '../../proto/index.js';
import { findNodeHeaders, type NodeHeadersLookup } from '../sandbox/node-headers.js';
import type { Sandbox, SandboxResult } from '../sandbox/sandbox.js';
import { npmNotRun, npmRunOptions } from './project-npmrc.js';
import { runRegistryNpm } from './registry-npm.js';
import { excerpt, excerptAround } from './excerpt.js';
import type { DependencyCache } from './deps-cache.js';
import { cleanRebuildLog, diagnoseRebuild } from './rebuild-diagnosis.js';

export interface SetupOptions {
  sandbox: Sandbox;
  workspace: string;
  installTimeoutMs: number;
  buildTimeoutMs: number;
  signal?: AbortSignal;
  /** Where node-gyp finds Node's headers in the sandbox; found on the host by default (tests pass a missing one). */
  nodeHeaders?: NodeHeadersLookup;
  /** For `npm rebuild`; default the longer of buildTimeoutMs and NATIVE_REBUILD_TIMEOUT_MS. */
  rebuildTimeoutMs?: number;
  /** Installed and rebuilt node_modules kept per dependency set: a hit skips the install and the rebuild. */
  depsCache?: DependencyCache;
  /** Why the build step is not needed (what runs next builds first): it is then skipped, with this reason. */
  buildNotNeeded?: string | null;
}

/**
 * A native module compiles C or C++ on one sandbox core: better-sqlite3's
 * SQLite is about 185 s of CPU on this machine, and took 388 s and 484 s of
 * wall time in the sandbox with the 2 shared cores loaded (see
 * test/acceptance-native.test.ts), far past an ordinary build's timeout.
 */
export const NATIVE_REBUILD_TIMEOUT_MS = 900_000;

export interface Manifest {
  hasDependencies: boolean;
  hasLockfile: boolean;
  scripts: Record<string, string>;
}

const MAX_MANIFEST_BYTES = 1024 * 1024;

/** The app's package.json, or null when it has none; a broken one is a setup failure the report names. */
export async function readManifest(workspace: string): Promise<Manifest | null | { problem: string }> {
  const file = join(workspace, 'package.json');
  const info = await lstat(file).catch(() => null);
  if (!info) return null;
  if (!info.isFile() || info.size > MAX_MANIFEST_BYTES) return { problem: 'package.json is not a regular file under 1 MiB' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { problem: `package.json is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: 'package.json is not a JSON object' };
  const manifest: { [key: string]: unknown } = { ...parsed };
  const deps = ['dependencies', 'devDependencies', 'optionalDependencies'].some((k) => {
    const v = manifest[k];
    return typeof v === 'object' && v !== null && Object.keys(v).length > 0;
  });
  const scripts = typeof manifest.scripts === 'object' && manifest.scripts !== null ? Object.fromEntries(Object.entries(manifest.scripts).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  const lock = await lstat(join(workspace, 'package-lock.json')).catch(() => null);
  return { hasDependencies: deps, hasLockfile: Boolean(lock?.isFile()), scripts };
}

/**
 * Dependencies, then the build, the way a user's CI would: `npm ci` (or
 * `npm install`) from the registry with every script off, then `npm rebuild`
 * in the sandbox with the network off, so install scripts (a native module's
 * compile) run only there; then `npm run build` when there is a build script.
 * Stops at the first failure. With a dependency cache, node_modules made
 * that way for the same package.json, lockfile and Node is copied in
 * instead, and the steps say so.
 */
export async function setUpApp(manifest: Manifest, options: SetupOptions): Promise<AppStep[]> {
  const steps: AppStep[] = [];
  const { sandbox, workspace, signal, depsCache } = options;
  const skip = (name: AppStep['name'], reason: string): AppStep => ({ name, status: 'skipped', reason, durationMs: 0, logExcerpt: '' });
  if (!manifest.hasDependencies) {
    steps.push(skip('install', 'package.json lists no dependencies'), skip('rebuild', 'nothing installed'));
  } else {
    // Keyed before the install, which may write a lockfile.
    const key = depsCache ? await depsCache.keyOf(workspace) : null;
    const restoring = performance.now();
    if (key && depsCache && (await depsCache.restore(key, workspace))) {
      const durationMs = Math.round(performance.now() - restoring);
      const reason = 'copied from the dependency cache: installed and rebuilt in the sandbox for this same package.json, lockfile and Node';
      steps.push({ name: 'install', status: 'passed', reason, durationMs, logExcerpt: '' }, { name: 'rebuild', status: 'passed', reason, durationMs: 0, logExcerpt: '' });
    } else {
      const args = manifest.hasLockfile ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
      const install = await runRegistryNpm(args, { sandbox, workspace, timeoutMs: options.installTimeoutMs, ...(signal ? { signal } : {}) });
      steps.push(stepOf('install', `npm ${args.join(' ')}`, install, options.installTimeoutMs));
      if (steps.at(-1)?.status === 'failed') return steps;
      steps.push(await rebuildNative(options));
      if (steps.at(-1)?.status === 'failed') return steps;
      // Kept before the build, which runs the app's own code in node_modules' reach.
      if (key && depsCache) await depsCache.save(key, workspace);
    }
  }
  if (!manifest.scripts.build) steps.push(skip('build', 'package.json has no build script'));
  else if (options.buildNotNeeded) steps.push(skip('build', options.buildNotNeeded));
  else {
    // npm's config is the daemon's here too: the project's .npmrc could name the shell, node options or node-gyp.
    const npm = await npmRunOptions(workspace);
    const runOptions = { workspace, network: 'none' as const, timeoutMs: options.buildTimeoutMs, ...(signal ? { signal } : {}) };
    const build = npm.ok ? await sandbox.run(['npm', 'run', 'build'], { ...runOptions, env: npm.env, maskedEntries: npm.maskedEntries }) : npmNotRun(npm.problem);
    steps.push(stepOf('build', 'npm run build', build, options.buildTimeoutMs));
  }
  return steps;
}

/**
 * `npm rebuild`, network off: dependencies' install scripts run here, in the
 * sandbox, so a native module compiles with the host's compiler (the sandbox
 * sees the host's /usr read-only). node-gyp would otherwise download Node's
 * headers, which cannot work offline, so it is pointed at the headers beside
 * the sandbox's node (npm_config_nodedir; the host's own npm config, which
 * may say the same, is not visible in the sandbox). A failed build names its
 * cause (the compiler error, the missing compiler or headers) in the step's
 * reason and centres the log excerpt on it: node-gyp's last lines are a
 * stack trace that tells a fix task nothing.
 */
async function rebuildNative(options: SetupOptions): Promise<AppStep> {
  const { sandbox, workspace, signal } = options;
  const headers = options.nodeHeaders ?? findNodeHeaders();
  const env: Record<string, string> = headers.ok ? { npm_config_nodedir: headers.headers.nodedir } : {};
  const timeoutMs = options.rebuildTimeoutMs ?? Math.max(options.buildTimeoutMs, NATIVE_REBUILD_TIMEOUT_MS);
  // Foreground: the compile's output streams as it goes, so a run that times out still shows how far it got.
  const npm = await npmRunOptions(workspace);
  const runOptions = { workspace, network: 'none' as const, timeoutMs, ...(signal ? { signal } : {}) };
  const run = npm.ok ? await sandbox.run(['npm', 'rebuild', '--foreground-scripts'], { ...runOptions, env: { ...npm.env, ...env }, maskedEntries: npm.maskedEntries }) : npmNotRun(npm.problem);
  const step = stepOf('rebuild', 'npm rebuild', run, timeoutMs);
  if (step.status !== 'failed') return step;
  const lines = cleanRebuildLog(`${run.stdout}\n${run.stderr}`);
  const log = lines.join('\n');
  const diagnosis = diagnoseRebuild(lines, { backend: sandbox.backend, headersProblem: headers.ok ? null : headers.problem });
  if (!diagnosis) {
    const last = lines.at(-1)?.trim();
    const progress = run.timedOut && last ? ` (its last output: ${last.slice(0, 200)})` : '';
    return { ...step, reason: `${step.reason ?? 'npm rebuild failed'}${progress}`, logExcerpt: excerpt(log, 20) };
  }
  const what = diagnosis.packageName ? `${diagnosis.packageName} did not build` : 'a dependency did not build';
  // The cause sits near the excerpt's end: the report keeps the excerpt's last 1000 characters.
  return { ...step, reason: `${step.reason ?? 'npm rebuild failed'}: ${what}: ${diagnosis.cause}`, logExcerpt: excerptAround(log, diagnosis.line, 12, 4) };
}

export function stepOf(name: AppStep['name'], command: string, run: SandboxResult, timeoutMs: number): AppStep {
  const logExcerpt = excerpt(`${run.stdout}\n${run.stderr}`, 20);
  const durationMs = Math.round(run.durationMs);
  if (run.timedOut) return { name, status: 'failed', reason: `${command} timed out after ${timeoutMs} ms`, durationMs, logExcerpt };
  if (run.oomKilled) return { name, status: 'failed', reason: `${command} ran out of memory`, durationMs, logExcerpt };
  return run.exitCode === 0 ? { name, status: 'passed', reason: null, durationMs, logExcerpt } : { name, status: 'failed', reason: `${command} exited with ${run.exitCode}`, durationMs, logExcerpt };
}
