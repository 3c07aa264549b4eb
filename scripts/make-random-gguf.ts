/**
 * Writes a llama-architecture GGUF (v3) with random Q8_0 weights of a
 * realistic shape, so model throughput can be measured without real weights.
 * The tokenizer (a 32k SentencePiece vocabulary) is copied from the tiny
 * fixture, so prompts tokenize as they would on a llama model.
 *
 *   npx tsx scripts/make-random-gguf.ts --out /tmp/random-0.5b.gguf [--preset 0.5b|7b|test]
 *
 * Layout: header, metadata key/values, tensor infos, padding to
 * general.alignment, then each tensor's data at an aligned offset. A Q8_0
 * block is 32 weights: an f16 scale followed by 32 int8 values (34 bytes).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { readGgufFileInfo } from 'node-llama-cpp';

export interface ModelShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  contextLength: number;
}

export const PRESETS: Readonly<Record<string, ModelShape>> = {
  /** ~0.49B parameters (vocabulary 32k): the size class of Qwen2.5-0.5B. */
  '0.5b': { hidden: 1536, layers: 16, heads: 12, kvHeads: 2, ffn: 4096, contextLength: 8192 },
  /** Llama-2-7B's shape: 6.7B parameters, 7.2 GB in Q8_0. */
  '7b': { hidden: 4096, layers: 32, heads: 32, kvHeads: 32, ffn: 11008, contextLength: 4096 },
  /** A few MB, for tests of the writer itself. */
  test: { hidden: 64, layers: 2, heads: 4, kvHeads: 2, ffn: 128, contextLength: 2048 },
};

const ALIGNMENT = 32;
const QK8_0 = 32;
const Q8_0_BLOCK_BYTES = 34;
const GGML_TYPE = { F32: 0, Q8_0: 8 } as const;
const GGUF_TYPE = { UINT32: 4, INT32: 5, FLOAT32: 6, STRING: 8, ARRAY: 9, UINT64: 10 } as const;
/** llama_ftype MOSTLY_Q8_0. */
const FILE_TYPE_Q8_0 = 7;

type KvValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'f32s'; value: readonly number[] }
  | { type: 'i32s'; value: readonly number[] };

interface TensorSpec {
  name: string;
  /** ggml order: ne0 (the row length) first. */
  dims: number[];
  type: (typeof GGML_TYPE)[keyof typeof GGML_TYPE];
}

/** Accumulates little-endian GGUF primitives. */
class ByteWriter {
  readonly #chunks: Buffer[] = [];
  length = 0;

  #push(buffer: Buffer): void {
    this.#chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.#push(b);
  }
  i32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.#push(b);
  }
  u64(value: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.#push(b);
  }
  f32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.#push(b);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.#push(bytes);
  }
  raw(buffer: Buffer): void {
    this.#push(buffer);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

function writeKv(w: ByteWriter, key: string, kv: KvValue): void {
  w.string(key);
  switch (kv.type) {
    case 'u32':
      w.u32(GGUF_TYPE.UINT32);
      w.u32(kv.value);
      return;
    case 'i32':
      w.u32(GGUF_TYPE.INT32);
      w.i32(kv.value);
      return;
    case 'f32':
      w.u32(GGUF_TYPE.FLOAT32);
      w.f32(kv.value);
      return;
    case 'string':
      w.u32(GGUF_TYPE.STRING);
      w.string(kv.value);
      return;
    case 'strings':
      w.u32(GGUF_TYPE.ARRAY);
      w.u32(GGUF_TYPE.STRING);
      w.u64(kv.value.length);
      for (const s of kv.value) w.string(s);
      return;
    case 'f32s':
      w.u32(GGUF_TYPE.ARRAY);
      w.u32(GGUF_TYPE.FLOAT32);
      w.u64(kv.value.length);
      for (const x of kv.value) w.f32(x);
      return;
    case 'i32s':
      w.u32(GGUF_TYPE.ARRAY);
      w.u32(GGUF_TYPE.INT32);
      w.u64(kv.value.length);
      for (const x of kv.value) w.i32(x);
      return;
  }
}

function tensorBytes(t: TensorSpec): number {
  const elements = t.dims.reduce((a, b) => a * b, 1);
  if (t.type === GGML_TYPE.F32) return elements * 4;
  return (elements / QK8_0) * Q8_0_BLOCK_BYTES;
}

const align = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

function tensorsFor(shape: ModelShape, vocab: number): TensorSpec[] {
  const headDim = shape.hidden / shape.heads;
  const kv = headDim * shape.kvHeads;
  const q = (name: string, dims: number[]): TensorSpec => ({ name, dims, type: GGML_TYPE.Q8_0 });
  const f = (name: string, dims: number[]): TensorSpec => ({ name, dims, type: GGML_TYPE.F32 });
  const tensors: TensorSpec[] = [q('token_embd.weight', [shape.hidden, vocab])];
  for (let i = 0; i < shape.layers; i++) {
    tensors.push(
      f(`blk.${i}.attn_norm.weight`, [shape.hidden]),
      q(`blk.${i}.attn_q.weight`, [shape.hidden, shape.hidden]),
      q(`blk.${i}.attn_k.weight`, [shape.hidden, kv]),
      q(`blk.${i}.attn_v.weight`, [shape.hidden, kv]),
      q(`blk.${i}.attn_output.weight`, [shape.hidden, shape.hidden]),
      f(`blk.${i}.ffn_norm.weight`, [shape.hidden]),
      q(`blk.${i}.ffn_gate.weight`, [shape.hidden, shape.ffn]),
      q(`blk.${i}.ffn_up.weight`, [shape.hidden, shape.ffn]),
      q(`blk.${i}.ffn_down.weight`, [shape.ffn, shape.hidden]),
    );
  }
  tensors.push(f('output_norm.weight', [shape.hidden]), q('output.weight', [shape.hidden, vocab]));
  return tensors;
}

/** f16 bits of a small positive scale (normal range only, which is all this needs). */
function f16Bits(value: number): number {
  const f32 = Buffer.alloc(4);
  f32.writeFloatLE(value);
  const bits = f32.readUInt32LE();
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = (bits >>> 13) & 0x3ff;
  return (exponent << 10) | mantissa;
}

/** Random Q8_0 blocks whose weights are about ±scale*127, in pieces of at most 64 MiB. */
function* q8Blocks(bytes: number, scale: number): Generator<Buffer> {
  const bits = f16Bits(scale);
  const piece = Math.floor((64 * 1024 * 1024) / Q8_0_BLOCK_BYTES) * Q8_0_BLOCK_BYTES;
  for (let done = 0; done < bytes; done += piece) {
    const buffer = randomBytes(Math.min(piece, bytes - done));
    for (let offset = 0; offset < buffer.length; offset += Q8_0_BLOCK_BYTES) buffer.writeUInt16LE(bits, offset);
    yield buffer;
  }
}

function normWeights(bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  for (let offset = 0; offset < bytes; offset += 4) buffer.writeFloatLE(1, offset);
  return buffer;
}

export interface RandomGgufResult {
  path: string;
  parameters: number;
  bytes: number;
}

export async function writeRandomGguf(options: { out: string; shape: ModelShape; tokenizerFrom: string; name?: string }): Promise<RandomGgufResult> {
  const { shape } = options;
  if (shape.hidden % QK8_0 || shape.ffn % QK8_0 || shape.hidden % shape.heads || shape.heads % shape.kvHeads) {
    throw new RangeError('hidden and ffn must be multiples of 32, hidden of heads, heads of kvHeads');
  }
  const info = await readGgufFileInfo(options.tokenizerFrom, { readTensorInfo: false });
  const tok = info.metadata.tokenizer.ggml;
  const tokens = tok.tokens as readonly string[];
  const vocab = tokens.length;
  const kvs: Array<[string, KvValue]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: options.name ?? 'autodev random llama' }],
    ['general.file_type', { type: 'u32', value: FILE_TYPE_Q8_0 }],
    ['general.alignment', { type: 'u32', value: ALIGNMENT }],
    ['llama.context_length', { type: 'u32', value: shape.contextLength }],
    ['llama.embedding_length', { type: 'u32', value: shape.hidden }],
    ['llama.block_count', { type: 'u32', value: shape.layers }],
    ['llama.feed_forward_length', { type: 'u32', value: shape.ffn }],
    ['llama.rope.dimension_count', { type: 'u32', value: shape.hidden / shape.heads }],
    ['llama.rope.freq_base', { type: 'f32', value: 10000 }],
    ['llama.attention.head_count', { type: 'u32', value: shape.heads }],
    ['llama.attention.head_count_kv', { type: 'u32', value: shape.kvHeads }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.vocab_size', { type: 'u32', value: vocab }],
    ['tokenizer.ggml.model', { type: 'string', value: String(tok.model) }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'f32s', value: tok.scores as readonly number[] }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: tok.token_type as readonly number[] }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: Number(tok.bos_token_id) }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: Number(tok.eos_token_id) }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: Number(tok.unknown_token_id) }],
  ];
  const tensors = tensorsFor(shape, vocab);
  const head = new ByteWriter();
  head.raw(Buffer.from('GGUF', 'ascii'));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(kvs.length);
  for (const [key, value] of kvs) writeKv(head, key, value);
  let offset = 0;
  for (const t of tensors) {
    head.string(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(t.type);
    head.u64(offset);
    offset = align(offset + tensorBytes(t));
  }
  head.raw(Buffer.alloc(align(head.length) - head.length));

  const out = createWriteStream(options.out);
  const write = async (buffer: Buffer) => {
    if (!out.write(buffer)) await once(out, 'drain');
  };
  await write(head.toBuffer());
  let parameters = 0;
  for (const t of tensors) {
    const bytes = tensorBytes(t);
    parameters += t.dims.reduce((a, b) => a * b, 1);
    if (t.type === GGML_TYPE.F32) await write(normWeights(bytes));
    else for (const piece of q8Blocks(bytes, 0.02 / 127)) await write(piece);
    await write(Buffer.alloc(align(bytes) - bytes));
  }
  out.end();
  await once(out, 'finish');
  return { path: resolve(options.out), parameters, bytes: out.bytesWritten };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, preset: { type: 'string', default: '0.5b' }, tokenizer: { type: 'string' } },
  });
  const shape = PRESETS[values.preset ?? '0.5b'];
  if (!values.out || !shape) {
    process.stderr.write(`usage: make-random-gguf --out PATH [--preset ${Object.keys(PRESETS).join('|')}] [--tokenizer GGUF]\n`);
    process.exitCode = 2;
    return;
  }
  const tokenizerFrom = values.tokenizer ?? resolve(process.cwd(), '..', 'shared', 'models', 'llama-2-tiny-random.gguf');
  const result = await writeRandomGguf({ out: values.out, shape, tokenizerFrom, name: `random llama ${values.preset}` });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main(process.argv.slice(2));
