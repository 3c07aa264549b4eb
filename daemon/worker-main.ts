import { parseArgs } from 'node:util';
import { connect } from 'nats';
import { ROLES, Role, createSubjects, eventStreamName, subjectForEvent, type JobEvent } from '../proto/index.js';
import { NatsBus } from '../actors/bus/nats-bus.js';
import { createLogger } from '../actors/log/logger.js';
import { loadConfig, resolveHome } from './config.js';
import { createModelHandle } from './model-loader.js';
import { splitNatsUrl } from './nats-url.js';
import { openWorkPlumbing, startWorkerPool } from './worker-runtime.js';
import { createWorkerTools } from './mcp/worker-tools.js';

export const WORKER_HELP = `autodevd worker: run worker agents against a daemon's NATS server

Usage: autodevd worker --nats URL [--roles R1,R2] [--model PATH] [--home DIR] [--workers N]

Options:
  --nats URL     the daemon's NATS, with credentials: nats://autodev:TOKEN@host:port
  --roles LIST   comma-separated roles to serve (default: all of ${ROLES.join(', ')})
  --model PATH   GGUF model (or AUTODEV_MODEL, or "model" in this home's config.json)
  --workers N    workers per role (default: workersPerRole from config.json)
  --home DIR     where config.json is read from (default: $AUTODEV_HOME or ~/.autodev)
  --help         show this help

Workers pull tasks from the daemon's JetStream work queue, read the job's
repository from the snapshot object store, and send their files back; the
daemon validates and commits them. A worker that dies has its task
delivered to another worker once the ack wait passes.`;

/** The worker process's composition root: everything it needs comes over NATS. */
export async function workerMain(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        nats: { type: 'string' },
        roles: { type: 'string' },
        model: { type: 'string' },
        workers: { type: 'string' },
        home: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`autodevd worker: ${(error as Error).message}\nRun autodevd worker --help for usage.\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${WORKER_HELP}\n`);
    return 0;
  }
  if (!values.nats) {
    process.stderr.write('autodevd worker: --nats URL is required (see natsUrl in the daemon\'s daemon.json)\n');
    return 2;
  }
  const roles = (values.roles ?? ROLES.join(',')).split(',').map((r) => r.trim());
  const badRole = roles.find((r) => !Role.safeParse(r).success);
  if (badRole !== undefined) {
    process.stderr.write(`autodevd worker: unknown role "${badRole}"; roles are ${ROLES.join(', ')}\n`);
    return 2;
  }
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 16)) {
    process.stderr.write('autodevd worker: --workers must be an integer from 1 to 16\n');
    return 2;
  }

  const log = createLogger({ fields: { process: 'worker' } });
  try {
    const home = resolveHome(values.home, process.env);
    const loaded = await loadConfig(home, process.env, { model: values.model });
    const config = workers === undefined ? loaded : { ...loaded, workersPerRole: workers };
    const model = createModelHandle(config, config.workersPerRole * roles.length);
    model.assertConfigured();
    const target = splitNatsUrl(values.nats);
    const nc = await connect({ servers: target.url, user: target.user, pass: target.pass, name: 'autodevd-worker' });
    const subjects = createSubjects(config.subjectPrefix);
    const bus = new NatsBus({ connection: nc, stream: eventStreamName(config.subjectPrefix) });
    const plumbing = await openWorkPlumbing(nc, subjects, config);
    const publish = (event: JobEvent) => bus.publishDurable(subjectForEvent(subjects, event), event);
    const pool = startWorkerPool({
      bus,
      subjects,
      plumbing,
      config,
      model,
      roles: roles.map((r) => Role.parse(r)),
      publish,
      log,
      now: () => new Date(),
      // No job folders or memory on this machine: tools work on the attempt's snapshot copy only.
      tools: createWorkerTools({ settings: config.mcp, log: log.child({ component: 'worker-tools' }) }),
    });
    log.info('workers ready', { nats: target.url, workers: pool.workerIds });
    return await new Promise<number>((resolve) => {
      const stop = () => {
        pool.stop();
        void model
          .close()
          .then(() => nc.drain())
          .finally(() => resolve(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
  } catch (error) {
    process.stderr.write(`autodevd worker: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
