import { ProtocolError, type RepoSnapshot, type TaskProgress, type WorkRequest, type WorkResult } from '../../proto/index.js';
import type { LanguageModel } from '../llm/language-model.js';
import { fileSectionsGrammar, parseFileSections, type FileSectionLimits } from './file-sections.js';
import { systemPromptFor } from './prompts.js';
import { fitPrompt } from './fit-prompt.js';
import { runToolPhase, type ToolSession } from '../mcp/tool-phase.js';

/** Retries sample instead of decoding greedily, or they would repeat the failed answer word for word. */
const RETRY_TEMPERATURE = 0.7;

/** Room kept in the window for what the tool phase appends to the prompt. */
const TOOL_NOTES_TOKENS = 300;

export type ProgressPhase = TaskProgress['phase'];

export interface GenerateFilesDeps {
  model: LanguageModel;
  limits: FileSectionLimits;
  maxTokens: number;
  /** Characters of repository content the prompt may carry. */
  contextChars: number;
  /** Reports progress; failures to report never fail the task. */
  progress: (request: WorkRequest, phase: ProgressPhase, tokens: number) => void;
  /** Minimum time between two `generating` reports. */
  progressIntervalMs?: number;
  now?: () => number;
  /**
   * The task's MCP tools (its allow-list), offered to the model as functions
   * before it writes files; null when the task has none.
   */
  tools?: (request: WorkRequest, snapshot: RepoSnapshot | null) => Promise<ToolSession | null>;
  /** Tokens the tool phase may spend, out of the attempt's budget. */
  toolTokens?: number;
}

/**
 * A worker's whole job: ask the model for files under the file-section
 * grammar and return them. Workers never touch the job's repository, so they
 * can run in another process or on another machine; the Master integrates.
 */
export async function generateFiles(
  deps: GenerateFilesDeps,
  request: WorkRequest,
  snapshot: RepoSnapshot | null,
  signal: AbortSignal,
): Promise<WorkResult> {
  const now = deps.now ?? Date.now;
  const interval = deps.progressIntervalMs ?? 500;
  deps.progress(request, 'started', 0);
  let lastReport = now();
  const budget = Math.min(deps.maxTokens, request.maxTokens);
  let toolTokens = 0;
  const session = deps.tools && deps.model.generateWithFunctions ? await deps.tools(request, snapshot) : null;
  const { model } = deps;
  // Memory and repository files share one budget; memory, already ranked by relevance, goes first.
  const fitted = fitPrompt({
    counter: model.countTokens && model.contextSize ? { contextSize: model.contextSize, countTokens: (text) => model.countTokens!(text) } : null,
    system: systemPromptFor(request.role, { edits: request.allowEdits === true }),
    request,
    snapshot,
    contextChars: deps.contextChars,
    maxTokens: budget,
    spareTokens: session ? TOOL_NOTES_TOKENS : 0,
  });
  let prompt = fitted.prompt;
  if (session) {
    try {
      const phase = await runToolPhase(deps.model, session, {
        system: systemPromptFor(request.role, { edits: request.allowEdits === true }),
        prompt,
        maxTokens: Math.min(deps.toolTokens ?? 256, Math.floor(budget / 4)),
        signal,
      });
      toolTokens = phase.tokens;
      if (phase.notes) prompt = `${prompt}\n\n${phase.notes}`;
    } finally {
      await session.close();
    }
  }
  const generation = await deps.model.generateText({
    system: systemPromptFor(request.role, { edits: request.allowEdits === true }),
    prompt,
    grammar: fileSectionsGrammar(deps.limits, { edits: request.allowEdits === true }),
    maxTokens: Math.max(1, budget - toolTokens),
    signal,
    ...(request.attempt > 1 ? { temperature: RETRY_TEMPERATURE, seed: request.attempt } : {}),
    onProgress: (tokens) => {
      if (now() - lastReport < interval) return;
      lastReport = now();
      deps.progress(request, 'generating', tokens);
    },
  });
  const tokens = generation.tokens + toolTokens;
  const sections = withTokens(tokens, () => parseFileSections(generation.value));
  deps.progress(request, 'writing', tokens);
  return {
    summary: sections.summary || `${request.role} work for ${request.taskId}`,
    files: sections.files,
    ...(sections.edits.length ? { edits: sections.edits } : {}),
    tokens,
    ...(generation.costUsd ? { costUsd: generation.costUsd } : {}),
    ...(fitted.memory ? { contextChunks: fitted.memory.chunks.map((c) => c.id) } : {}),
  };
}

/** A rejected answer still cost tokens; the Master counts them against the job's budget. */
function withTokens<T>(tokens: number, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ProtocolError) throw new ProtocolError(error.code, error.message, error.data, { cause: error, tokens: error.tokens + tokens });
    throw error;
  }
}
