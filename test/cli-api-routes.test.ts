import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DoctorAnswer, McpCatalogAnswer, MCP_SERVER_NAMES, ModelListAnswer, PullEvent } from '../proto/index.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/env.js';

/**
 * The routes the thin CLI uses (daemon/api/{models,doctor,sandbox,mcp-catalog}-routes.ts),
 * called directly, as every API client can be: they must refuse what a hostile
 * client sends, not only what the CLI would.
 */
describe('the API behind autodev models, doctor, sandbox run and mcp list', () => {
  let daemon: TestDaemon;
  const outside = tempDir('routes-outside');
  beforeAll(async () => {
    daemon = await startTestDaemon({ gpu: 'cpu', localWorkers: false, sandbox: { backend: 'bubblewrap' } });
    const models = join(daemon.home, 'models');
    mkdirSync(models, { recursive: true });
    writeFileSync(join(models, 'a.gguf'), 'GGUF');
    writeFileSync(join(outside.path, 'precious.gguf'), 'keep me');
    symlinkSync(join(outside.path, 'precious.gguf'), join(models, 'link.gguf'));
  });
  afterAll(async () => {
    await daemon?.cleanup();
    outside.cleanup();
  });

  it('lists the models folder, and refuses to delete outside it or through a path', async () => {
    const list = ModelListAnswer.parse(await (await daemon.api('/models')).json());
    expect(list.dir).toBe(join(daemon.home, 'models'));
    expect(list.models.map((m) => m.name)).toContain('a.gguf');
    const escape = await daemon.api(`/models/${encodeURIComponent('../config.json')}`, { method: 'DELETE' });
    expect(escape.status).toBeGreaterThanOrEqual(400);
    expect(escape.status).toBeLessThan(500);
    await daemon.api('/models/link.gguf', { method: 'DELETE' });
    expect(readFileSync(join(outside.path, 'precious.gguf'), 'utf8')).toBe('keep me');
  });

  it('validates a pull body before any download, naming the field', async () => {
    const extra = await daemon.api('/models/pull', { method: 'POST', json: { target: 'worker', evil: true } });
    expect(extra.status).toBe(400);
    const empty = await daemon.api('/models/pull', { method: 'POST', json: { target: '' } });
    expect(((await empty.json()) as { error: { data: { field: string } } }).error.data.field).toBe('target');
  });

  it('streams a failed pull as one error line with the downloader\'s code', async () => {
    const res = await daemon.api('/models/pull', { method: 'POST', json: { target: 'ftp://nowhere/x.gguf' } });
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n').map((line) => PullEvent.parse(JSON.parse(line)));
    expect(lines.at(-1)?.type).toBe('error');
  });

  it('refuses a relative workspace for a sandbox run, and runs one in the configured backend', async () => {
    const relative = await daemon.api('/sandbox/run', { method: 'POST', json: { argv: ['true'], workspace: 'rel', limits: {}, network: 'none', unsafeNoSandbox: false } });
    expect(relative.status).toBe(400);
    const ran = await daemon.api('/sandbox/run', { method: 'POST', json: { argv: ['sh', '-c', 'echo hi'], workspace: outside.path, limits: {}, network: 'none', unsafeNoSandbox: false } });
    expect(await ran.json()).toMatchObject({ backend: 'bubblewrap', exitCode: 0, stdout: 'hi\n' });
  });

  it('answers doctor with the daemon\'s config and the MCP catalog with every server', async () => {
    const doctor = DoctorAnswer.parse(await (await daemon.api('/doctor')).json());
    expect(doctor.sandbox).toMatchObject({ backend: 'bubblewrap' });
    expect(doctor.checks.map((c) => c.name)).toEqual(['config', 'sandbox', 'sandbox disk limit', 'model', 'nats-server', 'dockerd']);
    const catalog = McpCatalogAnswer.parse(await (await daemon.api('/mcp')).json());
    expect(catalog.servers.map((s) => s.server)).toEqual([...MCP_SERVER_NAMES]);
  });

  it('refuses every new route without the token', async () => {
    for (const path of ['/models', '/doctor', '/mcp']) expect((await daemon.api(path, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });
});
