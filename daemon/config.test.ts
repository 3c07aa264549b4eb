import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptAppTimeouts, acceptJobTimeouts } from './acceptance-config.js';
import { ConfigError, loadConfig, resolveHome } from './config.js';

let home: string;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'autodev-config-'));
});

afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

function writeConfig(content: unknown): void {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  fs.writeFileSync(path.join(home, 'config.json'), text);
}

/** Awaits `promise`, expecting a ConfigError; returns it so the test can read its message. */
async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('uses the defaults when there is no config file', async () => {
    const config = await loadConfig(home, {}, {});
    expect(config).toMatchObject({
      gpu: 'auto',
      contextSize: 4096,
      maxParallelTasks: 2,
      workersPerRole: 1,
      maxRetries: 3,
      retryBaseMs: 1000,
      subjectPrefix: 'autodev',
      output: { maxFiles: 6, maxLinesPerFile: 300, maxLineChars: 200, maxSummaryChars: 160 },
    });
    expect(config.model).toBeUndefined();
    expect(config.threads).toBeUndefined();
  });

  it('uses the defaults when the home folder does not exist yet', async () => {
    const config = await loadConfig(path.join(home, 'not-yet'), {}, {});
    expect(config.maxParallelTasks).toBe(2);
  });

  it('reads values from config.json and keeps defaults for the rest', async () => {
    writeConfig({ maxParallelTasks: 4, gpu: 'cpu', subjectPrefix: 'acme', output: { maxFiles: 3 } });
    const config = await loadConfig(home, {}, {});
    expect(config.maxParallelTasks).toBe(4);
    expect(config.gpu).toBe('cpu');
    expect(config.subjectPrefix).toBe('acme');
    expect(config.output).toEqual({ maxFiles: 3, maxLinesPerFile: 300, maxLineChars: 200, maxSummaryChars: 160 });
    expect(config.maxRetries).toBe(3);
  });

  it('lets AUTODEV_MODEL and AUTODEV_GPU override the file', async () => {
    writeConfig({ model: '/models/file.gguf', gpu: 'cpu' });
    const config = await loadConfig(home, { AUTODEV_MODEL: '/models/env.gguf', AUTODEV_GPU: 'vulkan' }, {});
    expect(config.model).toBe(path.resolve('/models/env.gguf'));
    expect(config.gpu).toBe('vulkan');
  });

  it('lets flags override the environment', async () => {
    writeConfig({ model: '/models/file.gguf' });
    const config = await loadConfig(
      home,
      { AUTODEV_MODEL: '/models/env.gguf', AUTODEV_GPU: 'vulkan' },
      { model: '/models/flag.gguf', gpu: 'cuda' },
    );
    expect(config.model).toBe(path.resolve('/models/flag.gguf'));
    expect(config.gpu).toBe('cuda');
  });

  it('resolves a relative model path in config.json against the home folder', async () => {
    writeConfig({ model: 'models/qwen.gguf' });
    const config = await loadConfig(home, {}, {});
    expect(config.model).toBe(path.join(home, 'models/qwen.gguf'));
  });

  it('resolves a relative model path from the environment or a flag against the working folder', async () => {
    expect((await loadConfig(home, { AUTODEV_MODEL: 'a.gguf' }, {})).model).toBe(path.resolve('a.gguf'));
    expect((await loadConfig(home, {}, { model: 'b.gguf' })).model).toBe(path.resolve('b.gguf'));
  });

  it('rejects an unknown key inside output and a malformed subject prefix', async () => {
    writeConfig({ output: { maxFile: 3 } });
    expect((await configError(loadConfig(home, {}, {}))).message).toContain('output');
    writeConfig({ subjectPrefix: 'a..b' });
    expect((await configError(loadConfig(home, {}, {}))).message).toContain('subjectPrefix');
  });

  it('rejects a config file that is not valid JSON, naming the file', async () => {
    writeConfig('{ "maxParallelTasks": 2,');
    const error = await configError(loadConfig(home, {}, {}));
    expect(error.message).toContain(path.join(home, 'config.json'));
    expect(error.code).toBe('config_invalid');
  });

  it('rejects a config file that holds no JSON object', async () => {
    writeConfig([1, 2]);
    const error = await configError(loadConfig(home, {}, {}));
    expect(error.message).toContain('must hold a JSON object');
  });

  it.each([
    [{ maxParallelTasks: 0 }, 'maxParallelTasks'],
    [{ maxRetries: 'three' }, 'maxRetries'],
    [{ contextSize: 100 }, 'contextSize'],
    [{ gpu: 'tpu' }, 'gpu'],
    [{ output: { maxFiles: 0 } }, 'output.maxFiles'],
    [{ maxParalelTasks: 2 }, 'maxParalelTasks'],
  ])('rejects %j, naming %s', async (content, field) => {
    writeConfig(content);
    const error = await configError(loadConfig(home, {}, {}));
    expect(error.message).toContain(field);
  });

  it('rejects a bad value from the environment, naming the field', async () => {
    const error = await configError(loadConfig(home, { AUTODEV_GPU: 'quantum' }, {}));
    expect(error.message).toContain('gpu');
  });

  it('has the acceptance timeouts the judge had built in, and takes others from config.json for both of its callers', async () => {
    const defaults = await loadConfig(home, {}, {});
    expect(acceptJobTimeouts(defaults.acceptance)).toEqual({ installMs: 300_000, buildMs: 180_000, startMs: 30_000, checksMs: 120_000, requestMs: 10_000, commandMs: 30_000, testsMs: 180_000 });
    writeConfig({ acceptance: { startTimeoutMs: 60_000, requestTimeoutMs: 2000, projectTestsTimeoutMs: 600_000 } });
    const config = await loadConfig(home, {}, {});
    expect(acceptJobTimeouts(config.acceptance)).toMatchObject({ startMs: 60_000, requestMs: 2000, testsMs: 600_000, installMs: 300_000 });
    expect(acceptAppTimeouts(config.acceptance)).toEqual({
      installTimeoutMs: 300_000,
      buildTimeoutMs: 180_000,
      startTimeoutMs: 60_000,
      checksTimeoutMs: 120_000,
      requestTimeoutMs: 2000,
      commandTimeoutMs: 30_000,
    });
  });

  it('rejects an acceptance timeout under a second or an unknown acceptance key, naming it', async () => {
    writeConfig({ acceptance: { startTimeoutMs: 10 } });
    expect((await configError(loadConfig(home, {}, {}))).message).toContain('acceptance.startTimeoutMs');
    writeConfig({ acceptance: { startTimeout: 1000 } });
    expect((await configError(loadConfig(home, {}, {}))).message).toContain('startTimeout');
  });
});

describe('resolveHome', () => {
  it('prefers the flag, then AUTODEV_HOME, then ~/.autodev', () => {
    expect(resolveHome('/from/flag', { AUTODEV_HOME: '/from/env' })).toBe(path.resolve('/from/flag'));
    expect(resolveHome(undefined, { AUTODEV_HOME: '/from/env' })).toBe(path.resolve('/from/env'));
    expect(resolveHome(undefined, {})).toBe(path.join(os.homedir(), '.autodev'));
  });

  it('makes a relative home absolute', () => {
    const resolved = resolveHome('rel/home', {});
    expect(path.isAbsolute(resolved)).toBe(true);
    expect(resolved).toBe(path.resolve('rel/home'));
  });
});
