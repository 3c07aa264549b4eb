import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AutodevError } from '../../proto/errors.js';

/** A NATS user with allow lists: it may publish and subscribe only where they say (an empty list: nowhere). */
export interface RestrictedNatsUser {
  user: string;
  password: string;
  publish: readonly string[];
  subscribe: readonly string[];
}

export interface EmbeddedNatsOptions {
  /** Config, JetStream store and log live here. */
  dir: string;
  /** The owner: may do everything. */
  user: string;
  password: string;
  /** More users, each limited to its allow lists (see daemon/nats-permissions.ts). */
  restrictedUsers?: readonly RestrictedNatsUser[];
  bin?: string;
  startTimeoutMs?: number;
}

export interface EmbeddedNats {
  url: string;
  user: string;
  password: string;
  /** The running server's pid; a restart changes it. */
  readonly pid: number;
  /** Called when the server exits without stop() having asked it to (crash, kill, OOM). */
  onUnexpectedExit(listener: (why: string) => void): void;
  /** Starts the server again on the same port, config and JetStream store (its state survives on disk). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const quote = (s: string) => JSON.stringify(s);

/** Debian installs the server in /usr/sbin, which is not on a normal user's PATH. */
export function resolveNatsServerBin(bin = 'nats-server', path = process.env.PATH ?? ''): string {
  if (bin.includes('/')) return bin;
  for (const dir of [...path.split(':'), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin']) {
    if (dir && existsSync(`${dir}/${bin}`)) return `${dir}/${bin}`;
  }
  return bin;
}

/**
 * Starts a private nats-server with JetStream on a free loopback port. The
 * daemon owns it: it stops with the daemon, and nothing else shares the port.
 */
export async function startEmbeddedNats(options: EmbeddedNatsOptions): Promise<EmbeddedNats> {
  await mkdir(join(options.dir, 'jetstream'), { recursive: true });
  await stopOrphanedServer(options.dir);
  const conf = join(options.dir, 'nats.conf');
  const portsDir = join(options.dir, 'ports');
  await rm(portsDir, { recursive: true, force: true });
  await mkdir(portsDir, { mode: 0o700 });
  const writeConf = (listen: string) =>
    writeFile(
      conf,
      [
        `listen: "${listen}"`,
        `ports_file_dir: ${quote(portsDir)}`,
        `jetstream { store_dir: ${quote(join(options.dir, 'jetstream'))} }`,
        `authorization: ${JSON.stringify(authorization(options))}`,
        `log_file: ${quote(join(options.dir, 'nats.log'))}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  // The server picks its own free port and reports it in a ports file: a port probed here and handed over
  // could be taken by another process in between, and a readiness probe on it could then reach that process.
  await writeConf('127.0.0.1:-1');
  const bin = resolveNatsServerBin(options.bin);
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const listeners: Array<(why: string) => void> = [];
  let stopping = false;
  let current = await spawnServer(bin, conf, portsDir, timeoutMs);
  const port = current.port;
  // A restart must come back on the same port: the clients reconnect to the URL they were given.
  await writeConf(`127.0.0.1:${port}`);
  const watch = (server: ServerProcess) => {
    void server.exited.then((why) => {
      if (!stopping && server === current) for (const listener of listeners) listener(why);
    });
  };
  watch(current);
  await writeFile(join(options.dir, PID_FILE), `${current.child.pid}\n`);
  return {
    url: `nats://127.0.0.1:${port}`,
    user: options.user,
    password: options.password,
    get pid() {
      return current.child.pid ?? -1;
    },
    onUnexpectedExit: (listener) => void listeners.push(listener),
    restart: async () => {
      if (stopping) throw new AutodevError('bus_unavailable', 'nats-server is stopping with the daemon; start the daemon again');
      await stopChild(current.child, current.exited);
      current = await spawnServer(bin, conf, portsDir, timeoutMs);
      watch(current);
      await writeFile(join(options.dir, PID_FILE), `${current.child.pid}\n`);
    },
    stop: async () => {
      stopping = true;
      await stopChild(current.child, current.exited);
      await rm(join(options.dir, PID_FILE), { force: true });
    },
  };
}

/** nats-server reads JSON as config; an empty allow list would allow everything, so nothing is a deny of all. */
function authorization(options: EmbeddedNatsOptions) {
  const rule = (subjects: readonly string[]) => (subjects.length > 0 ? { allow: [...subjects] } : { deny: ['>'] });
  return {
    users: [
      { user: options.user, password: options.password },
      ...(options.restrictedUsers ?? []).map((u) => ({
        user: u.user,
        password: u.password,
        permissions: { publish: rule(u.publish), subscribe: rule(u.subscribe) },
      })),
    ],
  };
}

interface ServerProcess {
  child: ChildProcess;
  /** Resolves with how it ended, e.g. "signal SIGKILL". */
  exited: Promise<string>;
  /** The client port it listens on, as it reported it. */
  port: number;
}

async function spawnServer(bin: string, conf: string, portsDir: string, timeoutMs: number): Promise<ServerProcess> {
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const ready = child.pid === undefined ? new Promise<number>(() => undefined) : waitForPortsFile(portsDir, child.pid, timeoutMs);
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    spawnError.then((e) => e),
  ]);
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    const why = outcome instanceof Error ? outcome.message : `exited early: ${stderr.trim() || 'see nats.log'}`;
    throw new AutodevError('unavailable', `could not start nats-server (${bin}): ${why}. Run scripts/setup.sh to install it.`);
  }
  return { child, exited, port: await ready };
}

const PID_FILE = 'nats.pid';

/**
 * A daemon killed with SIGKILL leaves its nats-server running on the same
 * JetStream store; two servers on one store would corrupt it, so the next
 * start stops the orphan first. Only a process whose command line names this
 * folder's config is touched.
 */
async function stopOrphanedServer(dir: string): Promise<void> {
  const pid = Number((await readFile(join(dir, PID_FILE), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const conf = join(dir, 'nats.conf');
  if (!(await runsConfig(pid, conf))) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && (await runsConfig(pid, conf)); i++) await new Promise((r) => setTimeout(r, 50));
  if (await runsConfig(pid, conf)) process.kill(pid, 'SIGKILL');
}

/** Reads the command line rather than probing the pid: a zombie has none, and a reused pid has another. */
async function runsConfig(pid: number, conf: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(conf);
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * nats-server writes `<name>_<pid>.ports` once its listeners are up: it is
 * the readiness signal, and names the port this very process bound.
 */
async function waitForPortsFile(dir: string, pid: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const name = (await readdir(dir).catch(() => [])).find((f) => f.endsWith(`_${pid}.ports`));
    const port = name ? clientPort(await readFile(join(dir, name), 'utf8').catch(() => '')) : undefined;
    if (port !== undefined) return port;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new AutodevError('unavailable', `nats-server did not report its port within ${timeoutMs} ms; see nats.log in ${join(dir, '..')}, and start the daemon again`);
}

/** The port of `{"nats":["nats://127.0.0.1:PORT"]}`; undefined while the file is still being written. */
function clientPort(text: string): number | undefined {
  try {
    const urls = (JSON.parse(text) as { nats?: unknown }).nats;
    const first = Array.isArray(urls) && typeof urls[0] === 'string' ? new URL(urls[0]) : undefined;
    const port = Number(first?.port);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}
