import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonConfig } from '../daemon/config.js';
import { startDaemon, type RunningDaemon } from '../daemon/daemon.js';
import { silentLogger } from '../actors/log/logger.js';
import { JobEvent } from '../proto/index.js';
import { startTestNats, type TestNats } from './helpers/nats.js';
import { TINY_CONFIG, TINY_MODEL, tempDir, waitUntil, withSharedDocker } from './helpers/env.js';
import { readFileSync } from 'node:fs';

describe('autodevd --nats URL', () => {
  let nats: TestNats;
  let daemon: RunningDaemon;
  const home = tempDir('extnats');

  beforeAll(async () => {
    nats = await startTestNats();
    const { user, password, url } = nats.server;
    const withCredentials = url.replace('nats://', `nats://${user}:${password}@`);
    daemon = await startDaemon({
      home: home.path,
      config: DaemonConfig.parse(withSharedDocker({ ...TINY_CONFIG, model: TINY_MODEL, subjectPrefix: 'ext.autodev' })),
      log: silentLogger,
      natsUrl: withCredentials,
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await nats?.stop();
    home.cleanup();
  });

  it('uses the given server instead of starting one, under the configured subject prefix', async () => {
    expect(daemon.natsUrl).toContain(`127.0.0.1:${new URL(nats.server.url).port}`);
    const nc = await nats.connect('outside');
    const seen: JobEvent[] = [];
    const sub = nc.subscribe('ext.autodev.job.>');
    void (async () => {
      for await (const msg of sub) seen.push(JobEvent.parse(msg.json()));
    })();
    await nc.flush();
    const token = readFileSync(daemon.tokenFile, 'utf8').trim();
    const res = await fetch(`${daemon.apiUrl}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hello' }),
    });
    expect(res.status).toBe(201);
    await waitUntil(() => seen.some((e) => e.type === 'job.completed' || e.type === 'job.failed'), 60_000, 'a terminal event');
    expect(seen[0]?.type).toBe('job.submitted');
  });
});
