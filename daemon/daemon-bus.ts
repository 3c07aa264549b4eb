import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { createSubjects, eventStreamName, subjectForEvent, type JobEvent, type Subjects } from '../proto/index.js';
import { NatsBus, ensureEventStream } from '../actors/bus/nats-bus.js';
import { startEmbeddedNats, type EmbeddedNats } from '../actors/engines/nats-server.js';
import type { Logger } from '../actors/log/logger.js';
import type { DaemonConfig } from './config.js';
import { NatsSupervisor } from './nats-supervisor.js';
import { DAEMON_NATS_USER, restrictedNatsUsers } from './nats-users.js';
import { splitNatsUrl } from './nats-url.js';

export interface DaemonBusOptions {
  home: string;
  config: Pick<DaemonConfig, 'subjectPrefix' | 'natsServerBin' | 'natsRestartDelaysMs' | 'eventRetentionDays'>;
  /** The daemon's token: its own NATS password, and the seed of the restricted users' ones. */
  token: string;
  /** Use this NATS server instead of starting one. */
  natsUrl?: string;
  /** Called once when the bus cannot come back. */
  onGiveUp: (reason: string) => void;
  /** Registers a step for the daemon's stop; steps run in reverse order. */
  defer: (cleanup: () => Promise<void> | void) => void;
  now: () => Date;
  log: Logger;
}

export interface DaemonBus {
  /** The server this daemon started; null with --nats. */
  server: EmbeddedNats | null;
  url: string;
  connection: NatsConnection;
  supervisor: NatsSupervisor;
  subjects: Subjects;
  bus: NatsBus;
  /** Publishes a job event to the durable stream, on its subject. */
  publish: (event: JobEvent) => Promise<void>;
}

/** The daemon's NATS: its embedded server (unless given one), the connection, its supervisor and the event stream. */
export async function openDaemonBus(options: DaemonBusOptions): Promise<DaemonBus> {
  const { home, config, log, defer } = options;
  const subjects = createSubjects(config.subjectPrefix);
  let server: EmbeddedNats | null = null;
  if (!options.natsUrl) {
    // Workers and observers get their own users, limited to their subjects (daemon/nats-permissions.ts).
    const restrictedUsers = restrictedNatsUsers(options.token, subjects);
    server = await startEmbeddedNats({ dir: join(home, 'nats'), user: DAEMON_NATS_USER, password: options.token, restrictedUsers, bin: config.natsServerBin });
    const started = server;
    defer(() => started.stop());
    log.info('started embedded nats-server', { url: server.url, pid: server.pid });
  }
  const target = server ? { url: server.url, user: server.user, pass: server.password } : splitNatsUrl(options.natsUrl ?? '');
  // Reconnect forever: a closed connection makes every later publish throw (heartbeats, events), and the
  // supervisor brings the server back on the same port; giving up is the supervisor's decision, not the client's.
  const connection = await connect({
    servers: target.url,
    name: 'autodevd',
    user: target.user,
    pass: target.pass,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  const supervisor = new NatsSupervisor({
    connection,
    server,
    log,
    restartDelaysMs: config.natsRestartDelaysMs,
    now: options.now,
    onGiveUp: options.onGiveUp,
  });
  // Draining needs the server; a connection to a dead one is closed instead.
  defer(() => (supervisor.up ? connection.drain() : connection.close()));
  supervisor.start();
  defer(() => supervisor.stop());

  const stream = eventStreamName(config.subjectPrefix);
  await ensureEventStream(connection, {
    name: stream,
    subjects: [subjects.allJobEvents],
    maxAgeMs: config.eventRetentionDays * 86_400_000,
  });
  const bus = new NatsBus({ connection, stream });
  const publish = (event: JobEvent) => bus.publishDurable(subjectForEvent(subjects, event), event);
  return { server, url: target.url, connection, supervisor, subjects, bus, publish };
}
