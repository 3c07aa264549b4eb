import { z } from 'zod';
import { ProtocolError } from '../../proto/index.js';
import type { ApiAnswer, ApiCall, ApiEndpoint, ApiTransport, ChatTurn } from './api-transport.js';
import { postApiJson } from './api-post.js';

const ANTHROPIC_VERSION = '2023-06-01';

const ContentBlock = z.union([
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('tool_use'), id: z.string().min(1), name: z.string().min(1), input: z.unknown() }),
  // Other block kinds (thinking, citations) carry nothing this client uses.
  z.object({ type: z.string() }),
]);

const MessagesResponse = z.object({
  content: z.array(ContentBlock),
  stop_reason: z.string().nullable().optional(),
  usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
});

type AnthropicMessage = { role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>> };

/**
 * Messages alternate user and assistant, and tool results are content blocks
 * of the user turn that follows the assistant's calls, so consecutive tool
 * turns merge into one user message.
 */
function toAnthropicMessages(turns: readonly ChatTurn[]): AnthropicMessage[] {
  const messages: AnthropicMessage[] = [];
  for (const turn of turns) {
    if (turn.role === 'tool') {
      const block = { type: 'tool_result', tool_use_id: turn.toolCallId, content: turn.content };
      const last = messages.at(-1);
      if (last?.role === 'user' && Array.isArray(last.content)) last.content.push(block);
      else messages.push({ role: 'user', content: [block] });
    } else if (turn.role === 'assistant' && turn.toolCalls?.length) {
      messages.push({
        role: 'assistant',
        content: [
          ...(turn.content ? [{ type: 'text', text: turn.content }] : []),
          ...turn.toolCalls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.argsError ? {} : c.args })),
        ],
      });
    } else {
      messages.push({ role: turn.role, content: turn.content });
    }
  }
  return messages;
}

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
      messages: toAnthropicMessages(call.messages),
      max_tokens: call.maxTokens,
      temperature: call.temperature ?? 0,
      ...(call.tools?.length ? { tools: call.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) } : {}),
    };
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    if (this.#endpoint.apiKey) headers['x-api-key'] = this.#endpoint.apiKey;
    const json = await postApiJson(this.name, this.#endpoint, '/v1/messages', { headers, body, ...(call.signal ? { signal: call.signal } : {}) });
    const parsed = MessagesResponse.safeParse(json);
    if (!parsed.success) throw new ProtocolError('model_output_invalid', `${this.name}: unexpected Messages answer: ${parsed.error.message}`);
    const blocks = parsed.data.content;
    return {
      text: blocks.map((block) => ('text' in block && block.type === 'text' ? block.text : '')).join(''),
      inputTokens: parsed.data.usage.input_tokens,
      outputTokens: parsed.data.usage.output_tokens,
      truncated: parsed.data.stop_reason === 'max_tokens',
      toolCalls: blocks.flatMap((block) => ('id' in block && block.type === 'tool_use' ? [{ id: block.id, name: block.name, args: block.input }] : [])),
    };
  }
}
