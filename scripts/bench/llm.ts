/**
 * Model-layer benchmark. Run by hand after a build:
 *
 *   node dist/scripts/bench/llm.js [--model PATH] [--tokens 64] [--gpu auto|cpu]
 *
 * Without --model it writes a random-weight llama GGUF of ~0.5B parameters
 * (Q8_0) with scripts/make-random-gguf. Prints one JSON line per measurement;
 * the last line is the summary:
 * - prompt_tok_s, decode_tok_s: through the daemon's /v1/chat/completions (SSE);
 * - direct_decode_tok_s: node-llama-cpp on the same file, no daemon;
 * - overhead_ratio: decode_tok_s / direct_decode_tok_s (target >= 0.95);
 * - parallel_speedup: aggregate decode speed of 4 concurrent requests / 1;
 * - prefix_reuse_ttft_ratio: time to first token with a 2k-token system prompt
 *   already evaluated in a sequence / the same without it (target <= 0.2).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { silentLogger } from '../../actors/log/logger.js';
import { defaultThreads } from '../../actors/llm/llama-runtime.js';
import { DaemonConfig } from '../../daemon/config.js';
import { startDaemon, type RunningDaemon } from '../../daemon/daemon.js';
import { PRESETS, writeRandomGguf } from '../make-random-gguf.js';

const CONTEXT_SIZE = 4096;

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** Text of roughly `tokens` llama tokens (about one per word here), distinct per `seed` from its first word. */
function filler(tokens: number, seed: string): string {
  const words = ['alpha', 'build', 'cache', 'delta', 'event', 'field', 'graph', 'house', 'index', 'joint'];
  const out = [`[${seed}]`];
  for (let i = 0; out.length < tokens; i++) out.push(words[(i * 7 + seed.length) % words.length] ?? 'x');
  return out.join(' ');
}

/** node-llama-cpp called directly: one sequence, greedy, no chat template, no HTTP. */
async function openDirect(modelPath: string, gpu: false | 'auto', threads: number | undefined) {
  const llama = await getLlama({ gpu, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const resolvedThreads = threads ?? defaultThreads(modelPath, llama.cpuMathCores);
  const context = await model.createContext({ contextSize: CONTEXT_SIZE, sequences: 1, threads: resolvedThreads });
  const sequence = context.getSequence();
  return {
    gpu: llama.gpu,
    threads: resolvedThreads,
    async decode(tokens: number, round: number): Promise<number> {
      await sequence.clearHistory();
      const prompt = model.tokenize(`Write story number ${round}.`);
      let count = 0;
      let first = 0;
      for await (const _token of sequence.evaluate(prompt)) {
        if (++count === 1) first = performance.now();
        if (count >= tokens) break;
      }
      return (tokens - 1) / ((performance.now() - first) / 1000);
    },
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface StreamTiming {
  startedAt: number;
  firstTokenAt: number;
  endedAt: number;
  completionTokens: number;
  promptTokens: number;
}

async function streamChat(daemon: RunningDaemon, token: string, system: string, user: string, maxTokens: number): Promise<StreamTiming> {
  const startedAt = performance.now();
  const response = await fetch(`${daemon.apiUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'worker',
      messages: [{ role: 'system', content: system }, { role: 'user', content: user }],
      max_tokens: maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  let firstTokenAt = 0;
  let usage = { completion_tokens: 0, prompt_tokens: 0 };
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const bytes of response.body) {
    buffered += decoder.decode(bytes, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const chunk = JSON.parse(line.slice(6)) as { choices: Array<{ delta: { content?: string } }>; usage?: typeof usage; error?: { message: string } };
      if (chunk.error) throw new Error(chunk.error.message);
      if (!firstTokenAt && chunk.choices.some((c) => c.delta.content)) firstTokenAt = performance.now();
      if (chunk.usage) usage = chunk.usage;
    }
  }
  return { startedAt, firstTokenAt, endedAt: performance.now(), completionTokens: usage.completion_tokens, promptTokens: usage.prompt_tokens };
}

const decodeRate = (t: StreamTiming) => (t.completionTokens - 1) / ((t.endedAt - t.firstTokenAt) / 1000);

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, tokens: { type: 'string', default: '64' }, gpu: { type: 'string', default: 'cpu' }, threads: { type: 'string' } },
  });
  const tokens = Number(values.tokens);
  const gpu = values.gpu === 'cpu' ? false : 'auto';
  let modelPath = values.model ? resolve(values.model) : join(tmpdir(), 'autodev-bench', 'random-0.5b-q8_0.gguf');
  if (!existsSync(modelPath)) {
    mkdirSync(join(tmpdir(), 'autodev-bench'), { recursive: true });
    const shape = PRESETS['0.5b'];
    if (!shape) throw new Error('no 0.5b preset');
    const made = await writeRandomGguf({ out: modelPath, shape, tokenizerFrom: resolve(process.cwd(), '..', 'shared', 'models', 'llama-2-tiny-random.gguf') });
    modelPath = made.path;
    emit({ step: 'model', ...made });
  }
  const d = await openDirect(modelPath, gpu, values.threads ? Number(values.threads) : undefined);
  const threads = d.threads;

  const home = mkdtempSync(join(tmpdir(), 'autodev-bench-home-'));
  const config = DaemonConfig.parse({
    model: modelPath,
    gpu: values.gpu === 'cpu' ? 'cpu' : 'auto',
    contextSize: CONTEXT_SIZE,
    maxParallelTasks: 4,
    localWorkers: false,
    threads,
  });
  const daemon = await startDaemon({ home, config, log: silentLogger });
  try {
    const token = (await readFile(daemon.tokenFile, 'utf8')).trim();
    await streamChat(daemon, token, 'warm-up', 'hello', 4);

    const promptRun = await streamChat(daemon, token, 'You are terse.', filler(512, 'prompt'), 2);
    const promptTokS = promptRun.promptTokens / ((promptRun.firstTokenAt - promptRun.startedAt) / 1000);
    // Direct and daemon decode alternate, so load from other processes hits both alike; medians of 3.
    const directRates: number[] = [];
    const daemonRates: number[] = [];
    for (let round = 0; round < 3; round++) {
      directRates.push(await d.decode(tokens, round));
      const single = await streamChat(daemon, token, 'You are terse.', `Write story number ${round}.`, tokens);
      daemonRates.push(decodeRate(single));
      emit({ step: 'decode', round, direct_tok_s: directRates.at(-1), daemon_tok_s: daemonRates.at(-1), completion_tokens: single.completionTokens });
    }
    const decodeTokS = median(daemonRates);
    const directTokS = median(directRates);
    emit({ step: 'daemon', prompt_tok_s: promptTokS, decode_tok_s: decodeTokS });

    const runs = await Promise.all([0, 1, 2, 3].map((i) => streamChat(daemon, token, 'You are terse.', `Write story number ${i}.`, tokens)));
    const aggregate = runs.reduce((n, r) => n + r.completionTokens - 1, 0) / ((Math.max(...runs.map((r) => r.endedAt)) - Math.min(...runs.map((r) => r.firstTokenAt))) / 1000);
    emit({ step: 'parallel', sequences: 4, aggregate_decode_tok_s: aggregate });

    const system = filler(2000, `sys-${Date.now()}`);
    const cold = await streamChat(daemon, token, system, 'First question.', 2);
    const warm = await streamChat(daemon, token, system, 'Second question.', 2);
    const coldTtft = cold.firstTokenAt - cold.startedAt;
    const warmTtft = warm.firstTokenAt - warm.startedAt;
    emit({ step: 'prefix', system_tokens: cold.promptTokens, cold_ttft_ms: coldTtft, warm_ttft_ms: warmTtft });

    emit({
      model: modelPath,
      gpu: d.gpu,
      threads,
      prompt_tok_s: Number(promptTokS.toFixed(1)),
      decode_tok_s: Number(decodeTokS.toFixed(2)),
      direct_decode_tok_s: Number(directTokS.toFixed(2)),
      overhead_ratio: Number((decodeTokS / directTokS).toFixed(3)),
      parallel_speedup: Number((aggregate / decodeTokS).toFixed(2)),
      prefix_reuse_ttft_ratio: Number((warmTtft / coldTtft).toFixed(3)),
    });
  } finally {
    await d.close();
    await daemon.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main(process.argv.slice(2));
