import { z } from 'zod';
import { ProtocolError } from '../../proto/index.js';
import type { ApiAnswer, ApiCall, ApiEndpoint, ApiTransport } from './api-transport.js';
import { postApiJson } from './api-post.js';

const ChatCompletion = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullable() }), finish_reason: z.string().nullable().optional() }))
    .min(1),
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }).optional(),
});

/** OpenAI's /chat/completions, as served by OpenAI, Ollama, llama.cpp's server, vLLM and autodevd itself. */
export class OpenAiTransport implements ApiTransport {
  readonly serverJsonSchema = true;
  readonly serverGrammar: boolean;
  readonly name: string;
  readonly #endpoint: ApiEndpoint;

  constructor(endpoint: ApiEndpoint) {
    this.#endpoint = endpoint;
    this.name = endpoint.model;
    this.serverGrammar = endpoint.sendGrammar ?? false;
  }

  async call(call: ApiCall): Promise<ApiAnswer> {
    const body = {
      model: this.#endpoint.model,
      messages: [{ role: 'system', content: call.system }, ...call.messages],
      max_tokens: call.maxTokens,
      temperature: call.temperature ?? 0,
      ...(call.seed !== undefined ? { seed: call.seed } : {}),
      ...(call.jsonSchema
        ? { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: call.jsonSchema, strict: false } } }
        : {}),
      ...(call.grammar && this.serverGrammar ? { grammar: call.grammar } : {}),
    };
    const headers: Record<string, string> = this.#endpoint.apiKey ? { authorization: `Bearer ${this.#endpoint.apiKey}` } : {};
    const json = await postApiJson(this.name, this.#endpoint, '/chat/completions', { headers, body, ...(call.signal ? { signal: call.signal } : {}) });
    const parsed = ChatCompletion.safeParse(json);
    if (!parsed.success) throw new ProtocolError('model_output_invalid', `${this.name}: unexpected chat completion: ${parsed.error.message}`);
    const choice = parsed.data.choices[0];
    return {
      text: choice?.message.content ?? '',
      inputTokens: parsed.data.usage?.prompt_tokens ?? 0,
      outputTokens: parsed.data.usage?.completion_tokens ?? 0,
      truncated: choice?.finish_reason === 'length',
    };
  }
}
