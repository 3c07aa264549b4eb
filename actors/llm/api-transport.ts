import type { GbnfJsonSchema } from 'node-llama-cpp';

/** A function call the model asked for. `argsError` says why its arguments could not be read. */
export interface ToolCall {
  id: string;
  name: string;
  args: unknown;
  argsError?: string;
}

/** One turn of a conversation, in the shape both protocols can express. */
export type ChatTurn =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** A function offered to the model (OpenAI `tools`, Anthropic `tools`). */
export interface ApiTool {
  name: string;
  description: string;
  /** JSON schema of the arguments object. */
  parameters: GbnfJsonSchema;
}

export interface ApiCall {
  system: string;
  messages: ChatTurn[];
  maxTokens: number;
  temperature?: number;
  seed?: number;
  /** Asks the server to constrain the answer (OpenAI's response_format); ignored where unsupported. */
  jsonSchema?: GbnfJsonSchema;
  /** A GBNF grammar the server should decode under (llama.cpp's server and autodevd accept one). */
  grammar?: string;
  /** Functions the model may call instead of answering. */
  tools?: ApiTool[];
  signal?: AbortSignal;
}

export interface ApiAnswer {
  text: string;
  inputTokens: number;
  outputTokens: number;
  /** True when the answer stopped at maxTokens. */
  truncated: boolean;
  /** Calls the model asked for; empty when it answered. */
  toolCalls: ToolCall[];
}

/** One HTTP chat protocol (OpenAI-compatible or Anthropic Messages). */
export interface ApiTransport {
  readonly name: string;
  /** Whether the protocol can constrain an answer to a JSON schema on the server side. */
  readonly serverJsonSchema: boolean;
  /** Whether the server takes a GBNF `grammar` field (an extension; OpenAI itself rejects it). */
  readonly serverGrammar: boolean;
  call(call: ApiCall): Promise<ApiAnswer>;
}

export interface ApiEndpoint {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  maxRetries: number;
  /** Send GBNF grammars in a `grammar` field: for llama.cpp's server and autodevd, not for OpenAI. */
  sendGrammar?: boolean;
  /** Backoff base; tests shorten it. */
  retryBaseMs?: number;
}
