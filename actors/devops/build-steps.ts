import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Blueprint, DevopsStep } from '../../proto/index.js';
import type { Sandbox, SandboxResult } from '../sandbox/sandbox.js';
import { runRegistryNpm } from '../sandbox-app/registry-npm.js';
import { excerpt } from '../sandbox-app/excerpt.js';
import { MOBILE_NOT_BUILT } from './capacitor.js';

/** Builds an image from a folder with the engine the daemon uses; absent when no Docker engine answers. */
export type ImageBuilder = (contextDir: string, tag: string) => Promise<{ status: 'passed' | 'failed' | 'skipped'; reason: string | null; log: string }>;

export interface BuildStepsOptions {
  sandbox: Sandbox | null;
  workspace: string;
  blueprint: Blueprint | null;
  imageTag: string;
  buildImage?: ImageBuilder | null;
  installTimeoutMs?: number;
  buildTimeoutMs?: number;
  /** Aborting kills whatever step is running (the daemon is stopping). */
  signal?: AbortSignal;
}

const skipped = (name: DevopsStep['name'], reason: string): DevopsStep => ({ name, status: 'skipped', reason, durationMs: 0, logExcerpt: '', ranIn: null });

function stepOf(name: DevopsStep['name'], argv: readonly string[], run: SandboxResult, timeoutMs: number, ranIn: 'sandbox' | 'host' = 'sandbox'): DevopsStep {
  const log = excerpt(`${run.stdout}\n${run.stderr}`, 20);
  if (run.timedOut) return { name, status: 'failed', reason: `${argv.join(' ')} timed out after ${timeoutMs} ms`, durationMs: run.durationMs, logExcerpt: log, ranIn };
  const ok = run.exitCode === 0;
  return { name, status: ok ? 'passed' : 'failed', reason: ok ? null : `${argv.join(' ')} exited with ${run.exitCode}`, durationMs: run.durationMs, logExcerpt: log, ranIn };
}

/** Dependencies from the registry, scripts off (see registry-npm.ts); what needs them runs in the sandbox. */
async function installStep(sandbox: Sandbox | null, workspace: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<DevopsStep> {
  const args = ['install', '--no-audit', '--no-fund'];
  const run = await runRegistryNpm(args, { sandbox, workspace, timeoutMs, ...(signal ? { signal } : {}) });
  return stepOf('install', ['npm', ...args, '--ignore-scripts'], run, timeoutMs, run.ranIn);
}

/**
 * The build half of DevOps, run on the finished tree: dependency install (the
 * only step allowed to reach the registry), the Vite web build, the image
 * build, and the mobile builds this machine cannot do. Every step that does
 * not run says why.
 */
export async function runBuildSteps(options: BuildStepsOptions): Promise<DevopsStep[]> {
  const { sandbox, workspace } = options;
  const steps: DevopsStep[] = [];
  const noSandbox = 'no sandbox backend is available, and generated code is never run outside one';
  const hasManifest = existsSync(join(workspace, 'package.json'));
  if (!hasManifest) steps.push(skipped('install', 'no package.json in the result'));
  else steps.push(await installStep(sandbox, workspace, options.installTimeoutMs ?? 300_000, options.signal));

  const frontend = options.blueprint?.techStack.frontend ?? null;
  const webRoot = existsSync(join(workspace, 'web', 'index.html')) ? 'web' : existsSync(join(workspace, 'index.html')) ? '.' : null;
  const vite = join(workspace, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!frontend && !webRoot) steps.push(skipped('web_build', 'the application has no web front end'));
  else if (!webRoot) steps.push(skipped('web_build', `the blueprint names a ${frontend} front end, but no index.html was generated`));
  else if (!sandbox) steps.push(skipped('web_build', noSandbox));
  else if (!existsSync(vite)) steps.push(skipped('web_build', 'vite is not installed: package.json does not list it, or the install step failed'));
  else {
    const outDir = webRoot === '.' ? 'dist/web' : 'dist';
    const argv = ['node', 'node_modules/vite/bin/vite.js', 'build', webRoot, '--outDir', outDir, '--emptyOutDir'];
    const timeoutMs = options.buildTimeoutMs ?? 180_000;
    steps.push(stepOf('web_build', argv, await sandbox.run(argv, { workspace, network: 'none', timeoutMs, ...(options.signal ? { signal: options.signal } : {}) }), timeoutMs));
  }

  if (!existsSync(join(workspace, 'Dockerfile'))) steps.push(skipped('docker_build', 'no Dockerfile in the result'));
  else if (!options.buildImage) steps.push(skipped('docker_build', 'no Docker engine is available to this daemon; build it with: docker build -t ' + options.imageTag + ' .'));
  else {
    const started = Date.now();
    const built = await options.buildImage(workspace, options.imageTag);
    steps.push({ name: 'docker_build', status: built.status, reason: built.reason, durationMs: Date.now() - started, logExcerpt: excerpt(built.log, 20), ranIn: built.status === 'skipped' ? null : 'sandbox' });
  }

  steps.push(skipped('mobile_build', frontend || webRoot ? MOBILE_NOT_BUILT : 'the application has no web front end to wrap'));
  return steps;
}
