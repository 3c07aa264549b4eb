import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DoctorAnswer, type DoctorCheck } from '../../proto/index.js';
import { jsonOrThrow, send } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { ensureDaemon } from '../daemon-process.js';
import { EXIT } from '../errors.js';

const onPath = (bin: string) =>
  [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/bin'].map((d) => `${d}/${bin}`).find((p) => existsSync(p));

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the set-up: sandbox backend and why, model, nats-server, docker, bwrap',
  usage: `Usage: autodev doctor [--json]

Asks autodevd (starting it if none runs) which sandbox backend it would use
and why, whether a model is configured, and whether nats-server and dockerd
are installed; checks here whether the docker CLI and bwrap are. Changes
nothing. Exits 1 when something required is missing (a model, a sandbox,
nats-server), or when the daemon cannot start (then it prints why).

Options:
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS },
  async run(ctx) {
    let answer: DoctorAnswer;
    let daemonCheck: DoctorCheck;
    try {
      const { connection } = await ensureDaemon({
        home: ctx.home,
        onWaiting: () => {
          if (!ctx.json) ctx.err('starting autodevd in the background…');
        },
      });
      answer = await jsonOrThrow(await send(connection, connection.api.doctor, '$get'), DoctorAnswer);
      daemonCheck = { name: 'daemon', ok: true, required: false, detail: `running: pid ${connection.info.pid}, ${connection.info.apiUrl}` };
    } catch (error) {
      // The daemon refusing to start is what doctor is often run for: report it as the failed check.
      // A start failure already names its reason and the log; anything else gets the log's path once.
      const message = (error as Error).message;
      const detail = `cannot start or reach autodevd: ${message}${message.includes('daemon.log') ? '' : ` (see ${join(ctx.home, 'daemon.log')})`}`;
      answer = { sandbox: { backend: null, reason: 'the daemon did not answer' }, checks: [] };
      daemonCheck = { name: 'daemon', ok: false, required: true, detail };
    }
    const checks: DoctorCheck[] = [...answer.checks];
    const docker = onPath('docker');
    checks.push({ name: 'docker CLI', ok: Boolean(docker), required: false, detail: docker ?? 'not installed (only needed to inspect the engine by hand)' });
    const bwrap = onPath('bwrap');
    checks.push({ name: 'bwrap', ok: Boolean(bwrap), required: false, detail: bwrap ?? 'not installed (apt-get install bubblewrap): the fallback when no Docker engine answers' });
    checks.push(daemonCheck);

    const { sandbox } = answer;
    const ok = checks.every((c) => c.ok || !c.required);
    if (ctx.json) {
      ctx.out(JSON.stringify({ ok, sandbox, checks }));
    } else {
      for (const c of checks) ctx.out(`${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'}  ${c.name.padEnd(11)}  ${c.detail}`);
      if (sandbox.backend !== null) {
        for (const c of sandbox.considered) ctx.out(`        ${c.backend}: ${c.ok ? 'usable' : 'not usable'}: ${c.detail}`);
        if (sandbox.backend === 'docker') ctx.out(`        warm pool: ${sandbox.warmPool}`);
      }
    }
    return ok ? EXIT.ok : EXIT.jobFailed;
  },
};
