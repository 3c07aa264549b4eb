import { existsSync } from 'node:fs';
import { chooseBackend, type BackendChoice } from '../../actors/sandbox/choose-backend.js';
import { isRoot } from '../../actors/sandbox/bind-mount.js';
import { SandboxError } from '../../actors/sandbox/errors.js';
import { ConfigError, loadConfig, type DaemonConfig } from '../../daemon/config.js';
import { isProcessAlive, readDaemonFile } from '../daemon-file.js';
import { resolveNatsServerBin } from '../../actors/engines/nats-server.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { EXIT } from '../errors.js';

interface Check {
  name: string;
  ok: boolean;
  /** A failed required check makes doctor exit 1; an optional one only warns. */
  required: boolean;
  detail: string;
}

const onPath = (bin: string) =>
  [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/bin'].map((d) => `${d}/${bin}`).find((p) => existsSync(p));

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the set-up: sandbox backend and why, model, nats-server, docker, bwrap',
  usage: `Usage: autodev doctor [--json]

Looks without starting anything: which sandbox backend autodevd would use and
why, whether a model is configured, and whether nats-server, dockerd and
bwrap are installed. Exits 1 when something required is missing.

Options:
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS },
  async run(ctx) {
    const checks: Check[] = [];
    let config: DaemonConfig | undefined;
    try {
      config = await loadConfig(ctx.home, process.env, {});
      checks.push({ name: 'config', ok: true, required: true, detail: `${ctx.home}/config.json is valid (or absent: defaults)` });
    } catch (error) {
      checks.push({ name: 'config', ok: false, required: true, detail: (error as ConfigError).message });
    }

    // Loaded here, not at the top: dockerode would slow every other command's start.
    const { sandboxProbes } = await import('../../daemon/sandbox-runtime.js');
    const { resolveDockerdBin } = await import('../../actors/engines/docker-engine.js');
    let sandbox: (BackendChoice & { warmPool: string }) | { backend: null; reason: string } = { backend: null, reason: 'config is invalid' };
    if (config) {
      const { sandbox: sc } = config;
      try {
        const choice = await chooseBackend(sc.backend, sc.unsafeNoSandbox, sandboxProbes({ home: ctx.home, config: sc }));
        const warmPool =
          choice.backend !== 'docker' ? 'n/a' : sc.warmPoolSize === 0 ? 'off (sandbox.warmPoolSize is 0)' : isRoot() ? `${sc.warmPoolSize} containers` : 'off (handing a workspace to a started container needs root)';
        sandbox = { ...choice, warmPool };
        checks.push({ name: 'sandbox', ok: choice.backend !== 'none', required: true, detail: `${choice.backend}: ${choice.reason}` });
      } catch (error) {
        if (!(error instanceof SandboxError)) throw error;
        sandbox = { backend: null, reason: error.message };
        checks.push({ name: 'sandbox', ok: false, required: true, detail: error.message });
      }
      checks.push(modelCheck(config));
      const nats = resolveNatsServerBin(config.natsServerBin);
      checks.push({ name: 'nats-server', ok: existsSync(nats), required: true, detail: existsSync(nats) ? nats : `${config.natsServerBin} not found: run scripts/setup.sh (apt-get install nats-server)` });
      const dockerd = resolveDockerdBin(sc.dockerdBin);
      checks.push({ name: 'dockerd', ok: Boolean(dockerd), required: false, detail: dockerd ?? 'not installed (apt-get install docker.io); bubblewrap is used instead' });
    }
    const docker = onPath('docker');
    checks.push({ name: 'docker CLI', ok: Boolean(docker), required: false, detail: docker ?? 'not installed (only needed to inspect the engine by hand)' });
    const bwrap = onPath('bwrap');
    checks.push({ name: 'bwrap', ok: Boolean(bwrap), required: false, detail: bwrap ?? 'not installed (apt-get install bubblewrap): the fallback when no Docker engine answers' });
    const daemon = await readDaemonFile(ctx.home);
    const running = daemon !== null && isProcessAlive(daemon.pid);
    checks.push({ name: 'daemon', ok: running, required: false, detail: running ? `running: pid ${daemon?.pid}, ${daemon?.apiUrl}` : 'not running (autodev submit starts it)' });

    const ok = checks.every((c) => c.ok || !c.required);
    if (ctx.json) {
      ctx.out(JSON.stringify({ ok, sandbox, checks }));
    } else {
      for (const c of checks) ctx.out(`${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'}  ${c.name.padEnd(11)}  ${c.detail}`);
      if ('considered' in sandbox) {
        for (const c of sandbox.considered) ctx.out(`        ${c.backend}: ${c.ok ? 'usable' : 'not usable'}: ${c.detail}`);
        if (sandbox.backend === 'docker') ctx.out(`        warm pool: ${sandbox.warmPool}`);
      }
    }
    return ok ? EXIT.ok : EXIT.jobFailed;
  },
};

function modelCheck(config: DaemonConfig): Check {
  const roles = (['master', 'worker'] as const).map((role) => {
    const rc = config.models[role];
    if (rc.provider !== 'local') return { role, ok: Boolean(rc.model), what: `${rc.provider} ${rc.model ?? '(no model name)'}` };
    const path = rc.path ?? config.model;
    return { role, ok: Boolean(path && existsSync(path)), what: path ? (existsSync(path) ? path : `${path} (missing)`) : '(none)' };
  });
  const ok = roles.every((r) => r.ok);
  const detail = roles.map((r) => `${r.role}: ${r.what}`).join('; ');
  return { name: 'model', ok, required: false, detail: ok ? detail : `${detail}. Set "model" in config.json, AUTODEV_MODEL, or --model` };
}
