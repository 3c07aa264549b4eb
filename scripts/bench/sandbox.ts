/**
 * Sandbox start-up cost: the median wall time of `node -e 0` in a fresh
 * workspace, per backend, as the workers see it (Sandbox.run). Docker runs
 * on a private dockerd this script starts and stops (root only). Prints one
 * JSON line per sample and a summary last:
 *   {"docker_cold_ms","docker_warm_ms","bwrap_ms","host_node_ms",...}
 * Usage: node dist/scripts/bench/sandbox.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Dockerode from 'dockerode';
import { BubblewrapSandbox } from '../../actors/sandbox/bubblewrap-sandbox.js';
import { ensureBaseImage } from '../../actors/sandbox/docker-image.js';
import { WarmPool } from '../../actors/sandbox/docker-pool.js';
import { DockerSandbox } from '../../actors/sandbox/docker-sandbox.js';
import { DEFAULT_LIMITS } from '../../actors/sandbox/run-options.js';
import type { Sandbox } from '../../actors/sandbox/sandbox.js';
import { resolveDockerdBin, startDockerEngine } from '../../actors/engines/docker-engine.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Math.max(1, Number(values.runs) || 7);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN);
};
const root = mkdtempSync(join(tmpdir(), 'autodev-bench-sbx-'));
const freshWorkspace = () => mkdtempSync(join(root, 'ws-'));

async function sample(name: string, sandbox: Sandbox, command: string[], before?: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before?.();
    const started = performance.now();
    const result = await sandbox.run(command, { workspace: freshWorkspace() });
    const ms = performance.now() - started;
    if (result.exitCode !== 0) throw new Error(`${name}: exit ${result.exitCode}: ${result.stderr}`);
    times.push(ms);
    console.log(JSON.stringify({ backend: name, command: command.join(' '), ms: Math.round(ms) }));
  }
  return median(times);
}

const summary: Record<string, number | string | null> = { runs };
try {
  const hostTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    execFileSync('node', ['-e', '0']);
    hostTimes.push(performance.now() - started);
  }
  summary.host_node_ms = median(hostTimes);

  const bwrap = new BubblewrapSandbox();
  summary.bwrap_ms = await sample('bwrap', bwrap, ['node', '-e', '0']);
  await bwrap.close();

  if (process.getuid?.() === 0 && resolveDockerdBin()) {
    const engineStarted = performance.now();
    const engine = await startDockerEngine({ dir: join(root, 'engine') });
    summary.engine_start_ms = Math.round(performance.now() - engineStarted);
    try {
      const docker = new Dockerode({ socketPath: engine.socketPath });
      const image = await ensureBaseImage(docker, 'autodev-sandbox-bench:1');
      summary.image_build_ms = image.durationMs;
      const cold = new DockerSandbox({ docker, image: image.image, owner: 'bench-cold' });
      summary.docker_cold_ms = await sample('docker-cold', cold, ['node', '-e', '0']);
      const pool = new WarmPool({ docker, image: image.image, owner: 'bench-warm', dir: join(root, 'pool'), size: 1, limits: DEFAULT_LIMITS });
      await pool.start();
      const warm = new DockerSandbox({ docker, image: image.image, owner: 'bench-warm', pool });
      // The pool refills between runs, as it would between validation stages.
      summary.docker_warm_ms = await sample('docker-warm', warm, ['node', '-e', '0'], () => pool.ready());
      summary.docker_warm_true_ms = await sample('docker-warm', warm, ['true'], () => pool.ready());
      await warm.close();
    } finally {
      await engine.stop();
    }
  } else {
    summary.docker_cold_ms = null;
    summary.docker_warm_ms = null;
    summary.docker_skipped = 'needs root and dockerd';
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(JSON.stringify(summary));
