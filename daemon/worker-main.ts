import { parseArgs } from 'node:util';
import { ROLES, Role, createSubjects, eventStreamName, type TaskProgress } from '../proto/index.js';
import { NatsBus } from '../actors/bus/nats-bus.js';
import { createLogger } from '../actors/log/logger.js';
import { loadConfig, resolveHome } from './config.js';
import { createModelHandle } from './model-loader.js';
import { splitNatsUrl } from './nats-url.js';
import { attachWorkPlumbing, startWorkerPool } from './worker-runtime.js';
import { connectWorker, readWorkerCredentials } from './worker-credentials.js';
import { createWorkerTools } from './mcp/worker-tools.js';

export const WORKER_HELP = `autodevd worker: run worker agents against a daemon's NATS server

Usage: autodevd worker (--credentials FILE | --nats URL) [--roles R1,R2] [--model PATH] [--home DIR] [--workers N]

Options:
  --credentials FILE  the worker credentials, written on the daemon's machine by
                      autodev workers credentials --out FILE (mode 0600; copy it so)
  --nats URL          or the same as a URL: nats://worker:PASSWORD@host:port
  --roles LIST        comma-separated roles to serve (default: all of ${ROLES.join(', ')})
  --model PATH        GGUF model (or AUTODEV_MODEL, or "model" in this home's config.json)
  --workers N         workers per role (default: workersPerRole from config.json)
  --home DIR          where config.json is read from (default: $AUTODEV_HOME or ~/.autodev)
  --help              show this help

Workers pull tasks from the daemon's JetStream work queue, read the job's
repository from the snapshot object store, and send their files back; the
daemon validates and commits them. A worker that dies has its task
delivered to another worker once the ack wait passes.

The worker credential is not the daemon's token: it may pull work, read
snapshots and send replies, heartbeats and progress, and nothing else (no
job events, no other jobs' replies).`;

/** What the worker's entry hands it from the process: only daemon/main.ts reads argv, the environment and signals. */
export interface WorkerProcess {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Calls `stop` once the process is asked to stop (SIGTERM, SIGINT); installed when the workers are ready, as before that the default ends the process. */
  onStopSignal: (stop: () => void) => void;
}

/** The worker process's composition root: everything it needs comes over NATS. */
export async function workerMain(argv: string[], io: WorkerProcess): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        nats: { type: 'string' },
        credentials: { type: 'string' },
        roles: { type: 'string' },
        model: { type: 'string' },
        workers: { type: 'string' },
        home: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr(`autodevd worker: ${(error as Error).message}\nRun autodevd worker --help for usage.\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${WORKER_HELP}\n`);
    return 0;
  }
  if (!values.nats === !values.credentials) {
    io.stderr('autodevd worker: give one of --credentials FILE or --nats URL; get them on the daemon\'s machine with: autodev workers credentials --out FILE\n');
    return 2;
  }
  const roles = (values.roles ?? ROLES.join(',')).split(',').map((r) => r.trim());
  const badRole = roles.find((r) => !Role.safeParse(r).success);
  if (badRole !== undefined) {
    io.stderr(`autodevd worker: unknown role "${badRole}"; roles are ${ROLES.join(', ')}\n`);
    return 2;
  }
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 16)) {
    io.stderr('autodevd worker: --workers must be an integer from 1 to 16\n');
    return 2;
  }

  const log = createLogger({ fields: { process: 'worker' } });
  try {
    const home = resolveHome(values.home, io.env);
    const loaded = await loadConfig(home, io.env, { model: values.model });
    const config = workers === undefined ? loaded : { ...loaded, workersPerRole: workers };
    const model = createModelHandle(config, config.workersPerRole * roles.length);
    model.assertConfigured();
    const subjects = createSubjects(config.subjectPrefix);
    const target = values.credentials ? await readWorkerCredentials(values.credentials) : splitNatsUrl(values.nats ?? '');
    const nc = await connectWorker(target, subjects.inbox('worker'));
    const bus = new NatsBus({ connection: nc, stream: eventStreamName(config.subjectPrefix) });
    const serving = roles.map((r) => Role.parse(r));
    const plumbing = await attachWorkPlumbing(nc, subjects, config, serving);
    // Core NATS to the progress subject: the daemon relays it as an event (actors/bus/progress-relay.ts).
    const publish = async (event: TaskProgress) => bus.publish(subjects.progress(event.jobId, event.taskId), event);
    const pool = startWorkerPool({
      bus,
      subjects,
      plumbing,
      config,
      model,
      roles: serving,
      publish,
      log,
      now: () => new Date(),
      // No job folders or memory on this machine: tools work on the attempt's snapshot copy only.
      tools: createWorkerTools({ settings: config.mcp, log: log.child({ component: 'worker-tools' }) }),
    });
    log.info('workers ready', { nats: target.url, workers: pool.workerIds });
    return await new Promise<number>((resolve) => {
      io.onStopSignal(() => {
        pool.stop();
        void model
          .close()
          .then(() => nc.drain())
          .catch((error: unknown) => log.warn('error while stopping', { error: String(error) }))
          .finally(() => resolve(0));
      });
    });
  } catch (error) {
    io.stderr(`autodevd worker: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
