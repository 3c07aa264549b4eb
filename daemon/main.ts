import { parseArgs } from 'node:util';
import { VERSION } from './version.js';

const HELP = `autodevd ${VERSION}: the autodev daemon

Usage: autodevd [options]
       autodevd worker --nats URL [--roles LIST]   (workers in another process; see autodevd worker --help)

Options:
  --home DIR      state folder (default: $AUTODEV_HOME or ~/.autodev)
  --model PATH    GGUF model for planning and workers (or AUTODEV_MODEL, or "model" in config.json)
  --gpu KIND      auto | cuda | vulkan | metal | cpu (or AUTODEV_GPU); auto uses a GPU node-llama-cpp detects
  --master-model PATH     GGUF for planning only (or AUTODEV_MASTER_MODEL, or models.master in config.json)
  --worker-model PATH     GGUF for the workers only (or AUTODEV_WORKER_MODEL, or models.worker)
  --embedding-model DIR   transformers.js folder for memory (or AUTODEV_EMBEDDING_MODEL, or models.embedding)
  --nats URL      use this NATS server instead of starting an embedded one
  --port N        control API port on 127.0.0.1 (default: a free port)
  --unsafe-no-sandbox  when no sandbox (Docker, bubblewrap) works, run generated code
                  UNCONFINED on this machine instead of refusing; see autodev doctor
  --help          show this help

It writes daemon.json (pid, apiUrl, natsUrl, tokenFile) in the home folder and
removes it on a clean stop. SIGTERM or SIGINT stop it and everything it started.`;

/** The composition root's entry: the only code that reads argv, the environment and signals. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'worker') {
    const io = {
      env: process.env,
      stdout: (text: string) => void process.stdout.write(text),
      stderr: (text: string) => void process.stderr.write(text),
      onStopSignal: (stop: () => void) => {
        // One stop for either signal: the second would drain a connection already draining.
        const once = () => {
          process.off('SIGTERM', once);
          process.off('SIGINT', once);
          stop();
        };
        process.once('SIGTERM', once);
        process.once('SIGINT', once);
      },
    };
    return (await import('./worker-main.js')).workerMain(argv.slice(1), io);
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        home: { type: 'string' },
        model: { type: 'string' },
        gpu: { type: 'string' },
        'master-model': { type: 'string' },
        'worker-model': { type: 'string' },
        'embedding-model': { type: 'string' },
        nats: { type: 'string' },
        port: { type: 'string' },
        'unsafe-no-sandbox': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`autodevd: ${(error as Error).message}\nRun autodevd --help for usage.\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`autodevd: --port must be an integer from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  // Imported once the arguments ask for a daemon: `--help` and a usage error answer without loading it.
  const [{ createLogger }, { ConfigError, loadConfig, resolveHome }, { readDaemonFile }, { isLiveDaemon }, { startDaemon }, { parseFailpoints }] = await Promise.all([
    import('../actors/log/logger.js'),
    import('./config.js'),
    import('./daemon-file.js'),
    import('./home-lock.js'),
    import('./daemon.js'),
    import('./failpoints.js'),
  ]);
  const home = resolveHome(values.home, process.env);
  const log = createLogger({ level: process.env.AUTODEV_LOG_LEVEL === 'debug' ? 'debug' : 'info' });

  const existing = await readDaemonFile(home);
  // A live pid alone is not a daemon: after a crash or a reboot another program may have it, and refusing
  // would leave the home unusable until someone deleted daemon.json. The home lock's own test is used.
  if (existing && existing.pid !== process.pid && (await isLiveDaemon(existing.pid, process.pid))) {
    process.stderr.write(`autodevd: already running for ${home} (pid ${existing.pid}, ${existing.apiUrl})\n`);
    return 1;
  }

  let daemon;
  try {
    const config = await loadConfig(home, process.env, {
      model: values.model,
      gpu: values.gpu,
      masterModel: values['master-model'],
      workerModel: values['worker-model'],
      embeddingModel: values['embedding-model'],
    });
    const unsafeNoSandbox = values['unsafe-no-sandbox'] === true;
    if (unsafeNoSandbox) {
      process.stderr.write('autodevd: WARNING: --unsafe-no-sandbox: when no sandbox works, generated code runs with your rights on this machine.\n');
    }
    const failpoints = parseFailpoints(process.env.AUTODEV_FAILPOINTS);
    if (failpoints.size > 0) process.stderr.write(`autodevd: failpoints on (for tests): ${[...failpoints].join(', ')}\n`);
    daemon = await startDaemon({ home, config, log, natsUrl: values.nats, apiPort: port, unsafeNoSandbox, failpoints });
  } catch (error) {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`autodevd: ${message}\n`);
    return 1;
  }

  const running = daemon;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (why: string, code: number) => {
      if (stopping) return;
      stopping = true;
      log.info('stopping', { why });
      void running.stop().then(() => resolve(code));
    };
    process.on('SIGTERM', () => shutdown('SIGTERM', 0));
    process.on('SIGINT', () => shutdown('SIGINT', 0));
    // The daemon stopped itself (its bus could not come back): daemon.json is already gone.
    void running.failed.then((reason) => {
      process.stderr.write(`autodevd: stopped: ${reason}\n`);
      shutdown('failure', 1);
    });
    // A bug must not leave a half-dead daemon behind a stale daemon.json: stop everything cleanly, exit non-zero.
    const crash = (kind: string) => (error: unknown) => {
      log.error(`${kind}; stopping`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      shutdown(kind, 1);
    };
    process.on('unhandledRejection', crash('unhandled rejection'));
    process.on('uncaughtException', crash('uncaught exception'));
  });
}
