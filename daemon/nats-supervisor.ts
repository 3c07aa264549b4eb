import { Events, type NatsConnection } from 'nats';
import { ProtocolError, type NatsHealth } from '../proto/index.js';
import type { Logger } from '../actors/log/logger.js';
import type { EmbeddedNats } from '../actors/engines/nats-server.js';

const CRASH_LOOP_WINDOW_MS = 60_000;
const MAX_RESTARTS_PER_WINDOW = 5;

export interface NatsSupervisorOptions {
  connection: NatsConnection;
  /** The daemon's own server; null when it uses one given with --nats (nothing to restart). */
  server: EmbeddedNats | null;
  log: Logger;
  /** Wait before each restart of a dead server; one restart per entry, in a row, then give up. */
  restartDelaysMs: readonly number[];
  /** Called once when the bus cannot come back (restarts failed, or the connection closed for good). */
  onGiveUp: (reason: string) => void;
  now?: () => Date;
}

/**
 * Watches the daemon's NATS: the embedded server's process and the client
 * connection. A dead server is restarted on the same port and JetStream store
 * (its state is on disk) and the client, which never stops reconnecting,
 * picks it up again. While either is down the bus is "down": /health says
 * so and nothing that needs the bus is accepted.
 */
export class NatsSupervisor {
  readonly #options: NatsSupervisorOptions;
  #serverUp = true;
  #connected = true;
  #restarts = 0;
  /** When each recent restart happened: a server that keeps dying is given up on, not restarted forever. */
  #recentRestarts: number[] = [];
  #downSince: Date | null = null;
  #lastProblem: string | null = null;
  #stopped = false;

  constructor(options: NatsSupervisorOptions) {
    this.#options = options;
  }

  start(): void {
    const { connection, server } = this.#options;
    server?.onUnexpectedExit((why) => void this.#restartServer(why));
    void this.#watchConnection(connection);
    void connection.closed().then((error) => {
      if (this.#stopped) return;
      this.#giveUp(`the NATS connection closed${error ? `: ${error.message}` : ''}`);
    });
  }

  /** Stops reacting to exits and disconnects; call before the daemon closes the connection. */
  stop(): void {
    this.#stopped = true;
  }

  get up(): boolean {
    return this.#serverUp && this.#connected;
  }

  view(): NatsHealth {
    return {
      connected: this.up,
      server: this.#options.server === null ? 'external' : this.#serverUp ? 'running' : 'restarting',
      restarts: this.#restarts,
      downSince: this.#downSince?.toISOString() ?? null,
      problem: this.#lastProblem,
    };
  }

  /** Refuses work the daemon could not run; thrown before anything is saved. */
  assertUp(): void {
    if (this.up) return;
    throw new ProtocolError(
      'bus_unavailable',
      `the daemon's message bus (NATS) is down (${this.#lastProblem ?? 'disconnected'}); it is being restarted, try again in a few seconds, or see GET /health`,
    );
  }

  #markDown(problem: string): void {
    this.#lastProblem = problem;
    this.#downSince ??= (this.#options.now ?? (() => new Date()))();
  }

  #markMaybeUp(): void {
    if (this.up) this.#downSince = null;
  }

  async #watchConnection(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (this.#stopped) return;
      if (status.type === Events.Disconnect) {
        this.#connected = false;
        // The exit and the disconnect arrive in either order; the server's exit reason says more, so keep it.
        if (this.#serverUp) this.#markDown('disconnected from nats-server');
        this.#options.log.warn('lost the NATS connection; reconnecting', { server: String(status.data) });
      } else if (status.type === Events.Reconnect) {
        this.#connected = true;
        this.#markMaybeUp();
        this.#options.log.info('NATS connection is back');
      }
    }
  }

  async #restartServer(why: string): Promise<void> {
    const { server, log, restartDelaysMs } = this.#options;
    if (!server || this.#stopped) return;
    this.#serverUp = false;
    this.#markDown(`nats-server died (${why})`);
    const now = Date.now();
    this.#recentRestarts = this.#recentRestarts.filter((at) => now - at < CRASH_LOOP_WINDOW_MS);
    if (this.#recentRestarts.length >= MAX_RESTARTS_PER_WINDOW) {
      this.#giveUp(`nats-server died ${MAX_RESTARTS_PER_WINDOW + 1} times within ${CRASH_LOOP_WINDOW_MS / 1000} s (last: ${why}); see nats/nats.log in the home folder`);
      return;
    }
    log.error('the embedded nats-server died; restarting it on the same store', { why });
    for (const [attempt, delay] of restartDelaysMs.entries()) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.#stopped) return;
      try {
        await server.restart();
        this.#restarts += 1;
        this.#recentRestarts.push(Date.now());
        this.#serverUp = true;
        this.#markMaybeUp();
        log.info('restarted the embedded nats-server', { pid: server.pid, attempt: attempt + 1 });
        return;
      } catch (error) {
        this.#markDown(`nats-server restart ${attempt + 1} failed: ${String(error)}`);
        log.error('could not restart the embedded nats-server', { attempt: attempt + 1, error: String(error) });
      }
    }
    this.#giveUp(`nats-server could not be restarted after ${restartDelaysMs.length} attempts (${this.#lastProblem ?? why})`);
  }

  #giveUp(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#markDown(reason);
    this.#options.onGiveUp(reason);
  }
}
