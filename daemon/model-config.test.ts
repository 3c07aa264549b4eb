import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('model roles in the configuration', () => {
  const homes: string[] = [];
  const home = (config: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'autodev-models-'));
    homes.push(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  };
  afterEach(() => homes.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('reads each role from the file, then env, then flags; file paths are relative to the home folder', async () => {
    const dir = home({ models: { master: { path: 'm.gguf', contextSize: 8192 }, worker: { path: 'w.gguf' }, embedding: 'minilm' } });
    const fromFile = await loadConfig(dir, {}, {});
    expect(fromFile.models.master).toMatchObject({ provider: 'local', path: join(dir, 'm.gguf'), contextSize: 8192 });
    expect(fromFile.models.worker.path).toBe(join(dir, 'w.gguf'));
    expect(fromFile.models.embedding).toBe(join(dir, 'minilm'));

    const fromEnv = await loadConfig(dir, { AUTODEV_WORKER_MODEL: 'env.gguf', AUTODEV_EMBEDDING_MODEL: 'e' }, { masterModel: 'flag.gguf' });
    expect(fromEnv.models.worker.path).toBe(resolve('env.gguf'));
    expect(fromEnv.models.master.path).toBe(resolve('flag.gguf'));
    expect(fromEnv.models.embedding).toBe(resolve('e'));
  });

  it('takes an API key from the environment variable the provider implies or the role names', async () => {
    const dir = home({
      models: {
        master: { provider: 'anthropic', model: 'claude-x' },
        worker: { provider: 'openai', model: 'qwen', baseUrl: 'http://127.0.0.1:11434/v1', apiKeyEnv: 'OLLAMA_KEY' },
      },
    });
    const config = await loadConfig(dir, { ANTHROPIC_API_KEY: 'a-key', OLLAMA_KEY: 'o-key', OPENAI_API_KEY: 'not-this' }, {});
    expect(config.models.master.apiKey).toBe('a-key');
    expect(config.models.worker.apiKey).toBe('o-key');
  });

  it('names the bad field', async () => {
    const dir = home({ models: { worker: { provider: 'gemini' } } });
    await expect(loadConfig(dir, {}, {})).rejects.toThrow(ConfigError);
    await expect(loadConfig(dir, {}, {})).rejects.toThrow(/models\.worker\.provider/);
  });
});
