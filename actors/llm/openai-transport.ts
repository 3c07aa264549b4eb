import { z } from 'zod';
import { ProtocolError } from '../../proto/index.js';
import type { ApiAnswer, ApiCall, ApiEndpoint, ApiTransport, ChatTurn } from './api-transport.js';
import { postApiJson } from './api-post.js';
import { parseToolArguments } from './tool-arguments.js';

const ChatCompletion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(z.object({ id: z.string().min(1), type: z.literal('function').optional(), function: z.object({ name: z.string().min(1), arguments: z.string() }) }))
            .nullable()
            .optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }).optional(),
});

function toOpenAiMessage(turn: ChatTurn): Record<string, unknown> {
  if (turn.role === 'tool') return { role: 'tool', tool_call_id: turn.toolCallId, content: turn.content };
  if (turn.role === 'assistant' && turn.toolCalls?.length) {
    return {
      role: 'assistant',
      content: turn.content || null,
      tool_calls: turn.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: typeof c.args === 'string' ? c.args : JSON.stringify(c.args) } })),
    };
  }
  return { role: turn.role, content: turn.content };
}

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
      messages: [{ role: 'system', content: call.system }, ...call.messages.map(toOpenAiMessage)],
      max_tokens: call.maxTokens,
      temperature: call.temperature ?? 0,
      ...(call.seed !== undefined ? { seed: call.seed } : {}),
      ...(call.jsonSchema
        ? { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: call.jsonSchema, strict: false } } }
        : {}),
      ...(call.grammar && this.serverGrammar ? { grammar: call.grammar } : {}),
      ...(call.tools?.length
        ? { tools: call.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })) }
        : {}),
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
      toolCalls: (choice?.message.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, ...parseToolArguments(c.function.arguments) })),
    };
  }
}
