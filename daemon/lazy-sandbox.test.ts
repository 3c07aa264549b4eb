import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { lazySandbox, type SandboxRuntime } from './sandbox-runtime.js';

describe('lazySandbox', () => {
  it('opens once on first use, and never again once closed: work winding down cannot remount what the stop cleaned up', async () => {
    let opened = 0;
    let closed = 0;
    const sandboxes = lazySandbox(async () => {
      opened += 1;
      return { sandbox: {} as Sandbox, choice: { backend: 'bubblewrap', reason: 'test' }, warmPool: false, close: async () => void (closed += 1) } as SandboxRuntime;
    });
    const first = await sandboxes.get();
    expect(await sandboxes.get()).toBe(first);
    expect(opened).toBe(1);
    await sandboxes.close();
    expect(closed).toBe(1);
    await expect(sandboxes.get()).rejects.toMatchObject({ code: 'sandbox_unavailable', message: expect.stringContaining('stopping') });
    expect(opened).toBe(1);
  });
});
