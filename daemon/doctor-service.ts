import { existsSync } from 'node:fs';
import type { DoctorAnswer, DoctorCheck, DoctorSandbox } from '../proto/index.js';
import { chooseBackend } from '../actors/sandbox/choose-backend.js';
import { isRoot } from '../actors/sandbox/bind-mount.js';
import { SandboxError } from '../actors/sandbox/errors.js';
import { diskLimitProbe } from '../actors/sandbox/run-disks.js';
import { resolveNatsServerBin } from '../actors/engines/nats-server.js';
import { resolveDockerdBin } from '../actors/engines/docker-engine.js';
import type { DoctorService } from './api/doctor-routes.js';
import type { DaemonConfig } from './config.js';
import { sandboxProbes } from './sandbox-runtime.js';

/**
 * `autodev doctor`'s checks, made by the daemon with the config it runs
 * with: which sandbox backend it would use and why, the models, nats-server
 * and dockerd. Probes only; starts nothing.
 */
export function createDoctorService(home: string, config: DaemonConfig): DoctorService {
  return async (): Promise<DoctorAnswer> => {
    const checks: DoctorCheck[] = [{ name: 'config', ok: true, required: true, detail: `${home}/config.json is valid (or absent: defaults)` }];
    const sc = config.sandbox;
    let sandbox: DoctorSandbox;
    try {
      const choice = await chooseBackend(sc.backend, sc.unsafeNoSandbox, sandboxProbes({ home, config: sc }));
      const warmPool =
        choice.backend !== 'docker' ? 'n/a' : sc.warmPoolSize === 0 ? 'off (sandbox.warmPoolSize is 0)' : isRoot() ? `${sc.warmPoolSize} containers` : 'off (handing a workspace to a started container needs root)';
      sandbox = { ...choice, warmPool };
      checks.push({ name: 'sandbox', ok: choice.backend !== 'none', required: true, detail: `${choice.backend}: ${choice.reason}` });
    } catch (error) {
      if (!(error instanceof SandboxError)) throw error;
      sandbox = { backend: null, reason: error.message };
      checks.push({ name: 'sandbox', ok: false, required: true, detail: error.message });
    }
    checks.push({ name: 'sandbox disk limit', required: false, ...diskLimitProbe(sc.diskLimitMb) });
    checks.push(modelCheck(config));
    const nats = resolveNatsServerBin(config.natsServerBin);
    checks.push({ name: 'nats-server', ok: existsSync(nats), required: true, detail: existsSync(nats) ? nats : `${config.natsServerBin} not found: run scripts/setup.sh (apt-get install nats-server)` });
    const dockerd = resolveDockerdBin(sc.dockerdBin);
    checks.push({ name: 'dockerd', ok: Boolean(dockerd), required: false, detail: dockerd ?? 'not installed (apt-get install docker.io); bubblewrap is used instead' });
    return { sandbox, checks };
  };
}

function modelCheck(config: DaemonConfig): DoctorCheck {
  const roles = (['master', 'worker'] as const).map((role) => {
    const rc = config.models[role];
    if (rc.provider !== 'local' && rc.provider !== 'replay') return { role, ok: Boolean(rc.model), what: `${rc.provider} ${rc.model ?? '(no model name)'}` };
    const path = rc.provider === 'replay' ? rc.path : (rc.path ?? config.model);
    return { role, ok: Boolean(path && existsSync(path)), what: path ? (existsSync(path) ? path : `${path} (missing)`) : '(none)' };
  });
  const ok = roles.every((r) => r.ok);
  const detail = roles.map((r) => `${r.role}: ${r.what}`).join('; ');
  // Required: with no model a submitted job cannot be planned, so a set-up without one is not ready.
  return {
    name: 'model',
    ok,
    required: true,
    detail: ok ? detail : `${detail}. Point autodev at a GGUF file: "model" in config.json or AUTODEV_MODEL, then autodev daemon stop so the next command starts the daemon with it (or autodev daemon start --model PATH); to download one: autodev models pull worker`,
  };
}
