import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../actors/log/logger.js';
import { DaemonConfig } from '../daemon/config.js';
import { startDaemon, type RunningDaemon } from '../daemon/daemon.js';
import { createSubjects } from '../proto/subjects.js';
import { TriggerFired } from '../proto/trigger.js';
import { tempDir, withSharedDocker } from './helpers/env.js';
import { startTestNats, type TestNats } from './helpers/nats.js';
import { callOk } from './helpers/mcp.js';
import { seedJob } from './helpers/seed-job.js';

// What MCP clients keep in the daemon survives its restart: time triggers (<home>/triggers.json, re-armed at start)
// and sequential-thinking plans (jobs/<id>/thinking.json).
describe('MCP state across a daemon restart', () => {
  const home = tempDir('triggers');
  const config = DaemonConfig.parse(withSharedDocker({ gpu: 'cpu', localWorkers: false }));
  let daemon: RunningDaemon | null = null;
  // Outside the daemon, so a subscriber is listening before the restarted daemon fires what came due.
  let nats: TestNats;
  let natsUrl: string;
  beforeAll(async () => {
    nats = await startTestNats();
    const { user, password, url } = nats.server;
    natsUrl = url.replace('nats://', `nats://${user}:${password}@`);
    await seedJob(join(home.path, 'jobs'), 'jtrig');
  });
  afterAll(async () => {
    await daemon?.stop();
    await nats?.stop();
    home.cleanup();
  });
  const start = () => startDaemon({ home: home.path, config, log: silentLogger, natsUrl });

  const mcpClient = async (running: RunningDaemon, server: string) => {
    const token = readFileSync(running.tokenFile, 'utf8').trim();
    const transport = new StreamableHTTPClientTransport(new URL(`${running.apiUrl}/mcp/${server}?job=jtrig`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'autodev-test', version: '0.0.0' });
    await client.connect(transport);
    return { client, token };
  };
  const timeClient = (running: RunningDaemon) => mcpClient(running, 'time');

  it('re-arms saved triggers, drops cancelled ones, and fires them on the new daemon', async () => {
    daemon = await start();
    const first = await timeClient(daemon);
    await callOk(first.client, 'schedule_trigger', { triggerId: 'after-restart', delayMs: 3_600_000, payload: { from: 'first daemon' } });
    await callOk(first.client, 'schedule_trigger', { triggerId: 'hourly', delayMs: 3_600_000, everyMs: 3_600_000 });
    await callOk(first.client, 'schedule_trigger', { triggerId: 'dropped', delayMs: 3_600_000 });
    await callOk(first.client, 'cancel_trigger', { triggerId: 'dropped' });
    await first.client.close();
    await daemon.stop();
    daemon = null;

    const file = join(home.path, 'triggers.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { triggers: Array<{ triggerId: string; nextAt: string }> };
    expect(saved.triggers.map((t) => t.triggerId).sort()).toEqual(['after-restart', 'hourly']);
    // As if the daemon had stayed down past the trigger's time: it is due, so the new daemon fires it at once.
    for (const t of saved.triggers) if (t.triggerId === 'after-restart') t.nextAt = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(file, JSON.stringify(saved));

    const nc = await nats.connect('watcher');
    const sub = nc.subscribe(createSubjects().trigger('jtrig', 'after-restart'), { max: 1, timeout: 15_000 });
    await nc.flush();
    daemon = await start();
    const second = await timeClient(daemon);
    const listed = await callOk<{ triggers: Array<{ triggerId: string; everyMs: number | null }> }>(second.client, 'list_triggers', {});
    expect(listed.triggers.map((t) => [t.triggerId, t.everyMs])).toContainEqual(['hourly', 3_600_000]);
    for await (const msg of sub) {
      expect(TriggerFired.parse(JSON.parse(new TextDecoder().decode(msg.data)))).toMatchObject({ jobId: 'jtrig', triggerId: 'after-restart', count: 1, payload: { from: 'first daemon' } });
    }
    // Fired once, it is gone: the next restart will not fire it again.
    const after = await callOk<{ triggers: Array<{ triggerId: string }> }>(second.client, 'list_triggers', {});
    expect(after.triggers.map((t) => t.triggerId)).toEqual(['hourly']);
    await second.client.close();
    await nc.close();
  });

  it('keeps sequential-thinking plans where they were', async () => {
    await daemon?.stop();
    daemon = await start();
    const first = await mcpClient(daemon, 'sequential_thinking');
    await callOk(first.client, 'plan_steps', { taskId: 't1', goal: 'ship', steps: [{ title: 'write' }, { title: 'test' }] });
    await callOk(first.client, 'execute_step', { taskId: 't1', result: 'written' });
    await callOk(first.client, 'validate_step', { taskId: 't1', passed: true });
    await first.client.close();
    await daemon.stop();

    daemon = await start();
    const second = await mcpClient(daemon, 'sequential_thinking');
    const next = await callOk<{ step: { index: number; title: string; attempts: number }; plan: { steps: Array<{ status: string; result: string | null }> } }>(
      second.client,
      'execute_step',
      { taskId: 't1' },
    );
    expect(next.step).toMatchObject({ index: 1, title: 'test', attempts: 1 });
    expect(next.plan.steps[0]).toMatchObject({ status: 'done', result: 'written' });
    await second.client.close();
  });

  it('moves an unreadable triggers file aside and starts without it', async () => {
    await daemon?.stop();
    writeFileSync(join(home.path, 'triggers.json'), '{"version":1,"triggers":[{"jobId":"NOT A TOKEN"}]}');
    daemon = await start();
    const { client } = await timeClient(daemon);
    expect(await callOk(client, 'list_triggers', {})).toEqual({ triggers: [] });
    await client.close();
    const aside = readdirSync(home.path).filter((name) => name.startsWith('triggers.json.broken-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(home.path, aside[0]!), 'utf8')).toContain('NOT A TOKEN');
  });
});
