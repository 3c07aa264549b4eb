import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHARED_MODELS = process.env.AUTODEV_SHARED_MODELS ?? resolve(REPO_ROOT, '..', 'shared', 'models');
export const TINY_MODEL = join(SHARED_MODELS, 'llama-2-tiny-random.gguf');
export const TINY_EMBEDDER = join(SHARED_MODELS, 'tiny-random-bert');

/** Small, bounded outputs: the random-weight model must finish its answers quickly. */
export const TINY_CONFIG = {
  gpu: 'cpu',
  planMaxTokens: 1500,
  taskMaxTokens: 1500,
  retryBaseMs: 50,
  maxRetries: 1,
  output: { maxFiles: 2, maxLinesPerFile: 6, maxLineChars: 60, maxSummaryChars: 60 },
} as const;

export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `autodev-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export function writeConfig(home: string, config: Record<string, unknown>): void {
  writeFileSync(join(home, 'config.json'), JSON.stringify(withSharedDocker(config)));
}

/**
 * A daemon under test sandboxes on the run's shared Docker engine
 * (test/global-setup.ts) instead of starting one of its own, unless the test
 * names a socket itself (to test the daemon-owned engine) or Docker cannot run.
 */
export function withSharedDocker(config: Record<string, unknown>): Record<string, unknown> {
  const socket = inject('docker')?.socket;
  const sandbox = (config.sandbox ?? {}) as Record<string, unknown>;
  if (!socket || 'dockerSocket' in sandbox) return config;
  return { ...config, sandbox: { ...sandbox, dockerSocket: socket } };
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
