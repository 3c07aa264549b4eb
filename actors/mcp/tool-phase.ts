import { ProtocolError } from '../../proto/index.js';
import type { FunctionCallRecord, LanguageModel, ModelFunction } from '../llm/language-model.js';

export interface ToolSession {
  functions: Record<string, ModelFunction>;
  close(): Promise<void>;
}

export interface ToolPhaseResult {
  /** What the calls answered, for the file-writing prompt; empty when nothing was called. */
  notes: string;
  calls: FunctionCallRecord[];
  tokens: number;
}

const NOTE_CHARS_PER_CALL = 1200;

/**
 * Before writing files, the model may call its task's tools (node-llama-cpp
 * chat-session functions, each mapped onto an MCP call). The phase is
 * best-effort: a model that produces nothing usable here still gets to write
 * its files, so only an abort stops the task.
 */
export async function runToolPhase(
  model: LanguageModel,
  session: ToolSession,
  request: { system: string; prompt: string; maxTokens: number; signal?: AbortSignal },
): Promise<ToolPhaseResult> {
  if (!model.generateWithFunctions || Object.keys(session.functions).length === 0) return { notes: '', calls: [], tokens: 0 };
  try {
    const answer = await model.generateWithFunctions({
      system: `${request.system}\nBefore writing any file, call the tools you need (read files, look things up), then answer with one short line.`,
      prompt: request.prompt,
      maxTokens: request.maxTokens,
      functions: session.functions,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return { notes: notesOf(answer.calls), calls: answer.calls, tokens: answer.tokens };
  } catch (error) {
    if (request.signal?.aborted) throw error;
    if (error instanceof ProtocolError) return { notes: '', calls: [], tokens: error.tokens };
    throw error;
  }
}

function notesOf(calls: readonly FunctionCallRecord[]): string {
  if (calls.length === 0) return '';
  const lines = calls.map((c) => `- ${c.name}(${JSON.stringify(c.args).slice(0, 200)}) -> ${JSON.stringify(c.result).slice(0, NOTE_CHARS_PER_CALL)}`);
  return `Tool results:\n${lines.join('\n')}`;
}
