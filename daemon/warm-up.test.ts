import { describe, expect, it } from 'vitest';
import { silentLogger } from '../actors/log/logger.js';
import type { ModelHandle } from './model-loader.js';
import { WarmUpBoard, warmUpModels } from './warm-up.js';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function handle(role: 'master' | 'worker', outcome: { configured?: boolean; load: () => Promise<never> | Promise<unknown> }): ModelHandle {
  return {
    role,
    provider: 'replay',
    path: null,
    name: null,
    assertConfigured: () => {
      if (outcome.configured === false) throw new Error('not configured');
    },
    get: outcome.load as ModelHandle['get'],
    close: async () => undefined,
  };
}

describe('WarmUpBoard', () => {
  it('shows a part idle, then loading with the time so far, then ready with the time it took', async () => {
    const time = clock();
    const board = new WarmUpBoard(time.now);
    expect(board.view().memory).toEqual({ state: 'idle', ms: null, error: null });
    let finish: () => void = () => undefined;
    const work = board.track('memory', new Promise<void>((resolve) => (finish = resolve)));
    time.advance(40);
    expect(board.view().memory).toEqual({ state: 'loading', ms: 40, error: null });
    time.advance(60);
    finish();
    await work;
    expect(board.view().memory).toEqual({ state: 'ready', ms: 100, error: null });
  });

  it('keeps a failure with its message, and hands the caller the same rejection', async () => {
    const board = new WarmUpBoard(clock().now);
    await expect(board.track('sandbox', Promise.reject(new Error('no bwrap')))).rejects.toThrow('no bwrap');
    expect(board.view().sandbox).toMatchObject({ state: 'failed', error: 'no bwrap' });
  });

  it('warmUpModels: a role not configured is off, one that loads is ready, one that fails is failed', async () => {
    const board = new WarmUpBoard(clock().now);
    await warmUpModels([handle('master', { load: async () => ({}) }), handle('worker', { load: () => Promise.reject(new Error('bad gguf')) })], silentLogger, board);
    expect(board.view()).toMatchObject({ master: { state: 'ready' }, worker: { state: 'failed', error: 'bad gguf' } });
    const unconfigured = new WarmUpBoard(clock().now);
    await warmUpModels([handle('master', { configured: false, load: async () => ({}) })], silentLogger, unconfigured);
    expect(unconfigured.view().master.state).toBe('off');
  });
});
