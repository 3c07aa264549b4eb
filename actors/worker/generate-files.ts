import { ProtocolError, type RepoSnapshot, type TaskProgress, type WorkRequest, type WorkResult } from '../../proto/index.js';
import type { LanguageModel } from '../llm/language-model.js';
import { fileSectionsGrammar, parseFileSections, type FileSectionLimits } from './file-sections.js';
import { memorySection, repositoryContext, systemPromptFor, taskPrompt } from './prompts.js';

/** Retries sample instead of decoding greedily, or they would repeat the failed answer word for word. */
const RETRY_TEMPERATURE = 0.7;

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
  const generation = await deps.model.generateText({
    system: systemPromptFor(request.role),
    // Memory and repository files share one budget; memory, already ranked by relevance, goes first.
    prompt: taskPrompt(request, repositoryContext(snapshot, deps.contextChars - memorySection(request.memory).length)),
    grammar: fileSectionsGrammar(deps.limits),
    maxTokens: Math.min(deps.maxTokens, request.maxTokens),
    signal,
    ...(request.attempt > 1 ? { temperature: RETRY_TEMPERATURE, seed: request.attempt } : {}),
    onProgress: (tokens) => {
      if (now() - lastReport < interval) return;
      lastReport = now();
      deps.progress(request, 'generating', tokens);
    },
  });
  const sections = withTokens(generation.tokens, () => parseFileSections(generation.value));
  deps.progress(request, 'writing', generation.tokens);
  return {
    summary: sections.summary || `${request.role} work for ${request.taskId}`,
    files: sections.files,
    tokens: generation.tokens,
  };
}

/** A rejected answer still cost tokens; the Master counts them against the job's budget. */
function withTokens<T>(tokens: number, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ProtocolError) throw new ProtocolError(error.code, error.message, { ...error.data, tokens }, { cause: error });
    throw error;
  }
}
