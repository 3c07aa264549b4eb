import { SandboxError } from './errors.js';
import type { SandboxBackendName } from './sandbox.js';

export type BackendPreference = 'auto' | SandboxBackendName;

export type ProbeResult = { ok: true; detail: string } | { ok: false; reason: string };

/** What can isolate code on this machine; each answers with what it found or why not. */
export interface BackendProbes {
  docker(): Promise<ProbeResult>;
  bubblewrap(): Promise<ProbeResult>;
}

export interface BackendChoice {
  backend: SandboxBackendName;
  /** One sentence: why this backend, in words a user can act on. */
  reason: string;
  /** Every backend looked at, in order, with what was found. */
  considered: Array<{ backend: SandboxBackendName; ok: boolean; detail: string }>;
}

/**
 * Docker when an engine answers (or one can be started), else bubblewrap,
 * else nothing: no sandbox only when explicitly allowed, never as a silent
 * fallback. A named backend that does not work is an error, not a fallback.
 */
export async function chooseBackend(preference: BackendPreference, unsafeAllowed: boolean, probes: BackendProbes): Promise<BackendChoice> {
  const considered: BackendChoice['considered'] = [];
  const look = async (backend: 'docker' | 'bubblewrap') => {
    const result = await probes[backend]();
    considered.push({ backend, ok: result.ok, detail: result.ok ? result.detail : result.reason });
    return result;
  };
  const unsafe = (why: string): BackendChoice => {
    if (!unsafeAllowed) {
      throw new SandboxError(
        'sandbox_unavailable',
        `${why}. Install one (scripts/setup.sh installs docker.io and bubblewrap), or, knowing that generated code will then run unconfined on this machine, pass --unsafe-no-sandbox.`,
      );
    }
    considered.push({ backend: 'none', ok: true, detail: 'allowed by --unsafe-no-sandbox' });
    return { backend: 'none', reason: `${why}; running WITHOUT a sandbox because --unsafe-no-sandbox was given`, considered };
  };

  if (preference === 'none') return unsafe('the configured sandbox backend is "none"');
  if (preference === 'docker' || preference === 'bubblewrap') {
    const result = await look(preference);
    if (result.ok) return { backend: preference, reason: `configured as ${preference}: ${result.detail}`, considered };
    throw new SandboxError('sandbox_unavailable', `the configured sandbox backend ${preference} cannot run: ${result.reason}. Fix that, or set "sandbox": {"backend": "auto"} in config.json.`);
  }
  const docker = await look('docker');
  if (docker.ok) return { backend: 'docker', reason: docker.detail, considered };
  const bwrap = await look('bubblewrap');
  if (bwrap.ok) return { backend: 'bubblewrap', reason: `no Docker engine (${docker.reason}); ${bwrap.detail}`, considered };
  return unsafe(`no sandbox can run here: docker: ${docker.reason}; bubblewrap: ${bwrap.reason}`);
}
