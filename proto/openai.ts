import { z } from 'zod';

/** The subset of OpenAI's chat API that autodevd serves at /v1; unknown fields (top_p, user, ...) are ignored. */
const TextPart = z.object({ type: z.literal('text'), text: z.string() });

export const OpenAiChatMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(TextPart)]).nullable(),
});
export type OpenAiChatMessage = z.infer<typeof OpenAiChatMessage>;

export const OpenAiResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({ name: z.string().optional(), schema: z.record(z.string(), z.unknown()), strict: z.boolean().nullable().optional() }),
  }),
]);

export const OpenAiChatCompletionBody = z.object({
  model: z.string().min(1),
  messages: z.array(OpenAiChatMessage).min(1),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().optional(),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  response_format: OpenAiResponseFormat.optional(),
  /** llama.cpp server's extension: decode under this GBNF grammar. */
  grammar: z.string().min(1).max(100_000).optional(),
  /** Refused rather than ignored: a client that offers tools would wait for calls that never come. */
  tools: z
    .array(z.unknown())
    .max(0, "function calling is not served at /v1 (autodevd's workers call their MCP tools inside the daemon); send the request without tools")
    .optional(),
});
export type OpenAiChatCompletionBody = z.infer<typeof OpenAiChatCompletionBody>;

export const OpenAiEmbeddingsBody = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(256)]),
});
export type OpenAiEmbeddingsBody = z.infer<typeof OpenAiEmbeddingsBody>;
