import { connect, type NatsConnection } from 'nats';
import { startEmbeddedNats, type EmbeddedNats } from '../../actors/engines/nats-server.js';
import { tempDir } from './env.js';

export interface TestNats {
  server: EmbeddedNats;
  connect(name?: string): Promise<NatsConnection>;
  stop(): Promise<void>;
}

/** A real nats-server with JetStream on a free loopback port, private to one test file. */
export async function startTestNats(): Promise<TestNats> {
  const dir = tempDir('nats');
  const server = await startEmbeddedNats({ dir: dir.path, user: 'test', password: 'test-password-0123456789' });
  const connections: NatsConnection[] = [];
  return {
    server,
    async connect(name = 'test') {
      const nc = await connect({ servers: server.url, user: server.user, pass: server.password, name });
      connections.push(nc);
      return nc;
    },
    async stop() {
      for (const nc of connections) await nc.close().catch(() => undefined);
      await server.stop();
      dir.cleanup();
    },
  };
}
