import { HealthResponse } from '../../proto/index.js';
import { connectToDaemon, jsonOrThrow, notAnswering, send } from '../client.js';
import { isProcessAlive } from '../daemon-file.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { ensureDaemon, stopDaemon } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';
import { safeText } from '../safe-text.js';

export const daemonCommand: Command = {
  name: 'daemon',
  summary: 'start, stop or check the background daemon',
  usage: `Usage: autodev daemon start|stop|status [--json]

  start   start autodevd in the background unless it already runs
  stop    stop it (SIGTERM) and wait until it has exited
  status  show whether it runs and answers; exits 3 if it does not

Every other command that needs autodevd starts it the same way when none
runs; only status and stop never start one.

Options:
  --model PATH  model for a daemon that start launches; refused (exit 2) if
                one already runs with another model: stop it first
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, model: { type: 'string' } },
  async run(ctx, values, positionals) {
    const action = positionals[0];
    if (positionals.length !== 1 || !['start', 'stop', 'status'].includes(action ?? '')) {
      throw new CliError('usage', 'daemon takes one of: start, stop, status');
    }
    if (action === 'start') {
      const { connection, started } = await ensureDaemon({
        home: ctx.home,
        model: typeof values.model === 'string' ? values.model : undefined,
      });
      const result = { running: true, started, ...connection.info };
      if (ctx.json) ctx.out(JSON.stringify(result));
      else ctx.out(`${started ? 'started' : 'already running'}: pid ${connection.info.pid}, ${connection.info.apiUrl}`);
      return EXIT.ok;
    }
    if (action === 'stop') {
      const pid = await stopDaemon(ctx.home);
      if (ctx.json) ctx.out(JSON.stringify({ running: false, stoppedPid: pid }));
      else ctx.out(pid === null ? 'no daemon was running' : `stopped pid ${pid}`);
      return EXIT.ok;
    }
    const connection = await connectToDaemon(ctx.home);
    if (!connection) {
      if (ctx.json) ctx.out(JSON.stringify({ running: false }));
      else ctx.out(`no daemon is running for ${ctx.home}; start one with: autodev daemon start`);
      return EXIT.unreachable;
    }
    // A daemon killed with -9 leaves daemon.json behind: that is "not running", with the same remedy.
    if (!isProcessAlive(connection.info.pid)) {
      if (ctx.json) ctx.out(JSON.stringify({ running: false, exitedPid: connection.info.pid }));
      else ctx.out(notAnswering(connection.info, 'its process has exited'));
      return EXIT.unreachable;
    }
    const res = await send(connection, connection.api.health, '$get');
    const health = await jsonOrThrow(res, HealthResponse);
    if (ctx.json) ctx.out(JSON.stringify({ running: true, ...connection.info, health }));
    else {
      ctx.out(`running: pid ${health.pid}, ${connection.info.apiUrl}`);
      ctx.out(`nats: ${health.natsUrl}`);
      ctx.out(`model: ${health.model ?? '(none configured)'}`);
      if (health.models) {
        const role = (r: { provider: string; name: string | null }) => `${r.name ?? '(none)'}${r.provider === 'local' ? '' : ` via ${r.provider}`}`;
        ctx.out(`models: master ${role(health.models.master)}, worker ${role(health.models.worker)}, gpu ${health.models.gpu === null ? '(not loaded yet)' : health.models.gpu || 'none (CPU)'}`);
      }
      if (health.warmUp) {
        // What the daemon still loads after it answered; a failure's message comes from the daemon's machine, so it is made safe to print.
        const part = ([name, p]: [string, { state: string; ms: number | null; error: string | null }]) =>
          `${name} ${p.state}${p.ms !== null ? ` (${p.ms} ms)` : ''}${p.error ? `: ${safeText(p.error)}` : ''}`;
        ctx.out(`warm-up: ${Object.entries(health.warmUp).map(part).join(', ')}`);
      }
      ctx.out(`active jobs: ${health.jobs.active}`);
      const alive = health.workers.filter((w) => w.alive);
      ctx.out(`workers: ${alive.length} alive (${alive.filter((w) => w.busy > 0).length} busy) in ${new Set(alive.map((w) => w.process)).size} process(es)`);
      for (const line of workerProcessLines(alive)) ctx.out(`  ${line}`);
    }
    return EXIT.ok;
  },
};

type WorkerView = HealthResponse['workers'][number];

/** One line per worker process: what it uses, what its machine has left, and whether it has paused. */
export function workerProcessLines(workers: readonly WorkerView[]): string[] {
  const byProcess = new Map<string, WorkerView>();
  for (const w of workers) if (!byProcess.has(w.process)) byProcess.set(w.process, w);
  return [...byProcess.values()].map(({ process, resources, paused }) => {
    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    const figures = resources
      ? `rss ${mb(resources.rssBytes)}, cpu ${resources.cpuPercent}%, machine free ${mb(resources.freeMemoryBytes)}, load ${resources.loadAverage1m}`
      : 'no resource figures (an older worker)';
    return `${process}: ${figures}${paused === 'low_memory' ? ' (paused: low memory, taking no new tasks)' : ''}`;
  });
}
