import { DaemonConfig } from '../../daemon/config.js';
import { startDaemon, type RunningDaemon } from '../../daemon/daemon.js';
import { silentLogger } from '../../actors/log/logger.js';
import { readFileSync } from 'node:fs';
import { tempDir, withSharedDocker } from './env.js';

export interface TestDaemon extends RunningDaemon {
  home: string;
  token: string;
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  cleanup(): Promise<void>;
}

/** A real daemon in this process: embedded nats-server, real model, real git. */
export async function startTestDaemon(config: Record<string, unknown>, options: { natsUrl?: string } = {}): Promise<TestDaemon> {
  const home = tempDir('home');
  const daemon = await startDaemon({ home: home.path, config: DaemonConfig.parse(withSharedDocker(config)), log: silentLogger, ...options });
  const token = readFileSync(daemon.tokenFile, 'utf8').trim();
  return {
    ...daemon,
    home: home.path,
    token,
    api(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${daemon.apiUrl}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    },
    async cleanup() {
      await daemon.stop();
      home.cleanup();
    },
  };
}
