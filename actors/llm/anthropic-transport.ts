import { z } from 'zod';
import { ProtocolError } from '../../proto/index.js';
import type { ApiAnswer, ApiCall, ApiEndpoint, ApiTransport } from './api-transport.js';
import { postApiJson } from './api-post.js';

const ANTHROPIC_VERSION = '2023-06-01';

const MessagesResponse = z.object({
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
  stop_reason: z.string().nullable().optional(),
  usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
});

/** Anthropic's Messages API. It has no server-side JSON schema, so JSON is instructed and validated. */
export class AnthropicTransport implements ApiTransport {
  readonly serverJsonSchema = false;
  readonly serverGrammar = false;
  readonly name: string;
  readonly #endpoint: ApiEndpoint;

  constructor(endpoint: ApiEndpoint) {
    this.#endpoint = endpoint;
    this.name = endpoint.model;
  }

  async call(call: ApiCall): Promise<ApiAnswer> {
    const body = {
      model: this.#endpoint.model,
      system: call.system,
      messages: call.messages,
      max_tokens: call.maxTokens,
      temperature: call.temperature ?? 0,
    };
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    if (this.#endpoint.apiKey) headers['x-api-key'] = this.#endpoint.apiKey;
    const json = await postApiJson(this.name, this.#endpoint, '/v1/messages', { headers, body, ...(call.signal ? { signal: call.signal } : {}) });
    const parsed = MessagesResponse.safeParse(json);
    if (!parsed.success) throw new ProtocolError('model_output_invalid', `${this.name}: unexpected Messages answer: ${parsed.error.message}`);
    return {
      text: parsed.data.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join(''),
      inputTokens: parsed.data.usage.input_tokens,
      outputTokens: parsed.data.usage.output_tokens,
      truncated: parsed.data.stop_reason === 'max_tokens',
    };
  }
}
