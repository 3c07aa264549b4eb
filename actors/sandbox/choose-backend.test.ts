import { describe, expect, it } from 'vitest';
import { chooseBackend, type BackendProbes } from './choose-backend.js';

const probes = (docker: boolean, bwrap: boolean): BackendProbes => ({
  docker: async () => (docker ? { ok: true, detail: 'engine answers' } : { ok: false, reason: 'no engine' }),
  bubblewrap: async () => (bwrap ? { ok: true, detail: 'bwrap works' } : { ok: false, reason: 'bwrap missing' }),
});

describe('chooseBackend', () => {
  it('prefers docker, then bubblewrap, and says why', async () => {
    expect((await chooseBackend('auto', false, probes(true, true))).backend).toBe('docker');
    const choice = await chooseBackend('auto', false, probes(false, true));
    expect(choice.backend).toBe('bubblewrap');
    expect(choice.reason).toContain('no engine');
    expect(choice.considered.map((c) => c.backend)).toEqual(['docker', 'bubblewrap']);
  });

  it('refuses to run unsandboxed unless allowed, and names the flag', async () => {
    await expect(chooseBackend('auto', false, probes(false, false))).rejects.toMatchObject({
      code: 'sandbox_unavailable',
      message: expect.stringContaining('--unsafe-no-sandbox'),
    });
    const choice = await chooseBackend('auto', true, probes(false, false));
    expect(choice.backend).toBe('none');
    expect(choice.reason).toContain('WITHOUT a sandbox');
    await expect(chooseBackend('none', false, probes(true, true))).rejects.toMatchObject({ code: 'sandbox_unavailable' });
  });

  it('does not fall back from a backend named in the config', async () => {
    await expect(chooseBackend('docker', true, probes(false, true))).rejects.toThrow(/configured sandbox backend docker cannot run: no engine/);
    expect((await chooseBackend('bubblewrap', false, probes(true, true))).backend).toBe('bubblewrap');
  });
});
