import { ProtocolError, type TaskOutput, type TaskProgress, type WorkRequest } from '../../proto/index.js';
import type { LanguageModel } from '../llm/language-model.js';
import { commitFiles } from '../git/repo.js';
import { fileSectionsGrammar, parseFileSections, type FileSectionLimits } from './file-sections.js';
import { systemPromptFor, taskPrompt } from './prompts.js';

/** Retries sample instead of decoding greedily, or they would repeat the failed answer word for word. */
const RETRY_TEMPERATURE = 0.7;

export type ProgressPhase = TaskProgress['phase'];

export interface PerformTaskDeps {
  model: LanguageModel;
  limits: FileSectionLimits;
  maxTokens: number;
  /** Reports progress; failures to report never fail the task. */
  progress: (request: WorkRequest, phase: ProgressPhase, tokens: number) => void;
  /** Minimum time between two `generating` reports. */
  progressIntervalMs?: number;
  now?: () => number;
}

/**
 * One task's work: ask the model for files under the file-section grammar,
 * write them into the job's repository, and commit them with a message that
 * names the task.
 */
export async function performTask(
  deps: PerformTaskDeps,
  request: WorkRequest,
  signal: AbortSignal,
): Promise<TaskOutput> {
  const now = deps.now ?? Date.now;
  const interval = deps.progressIntervalMs ?? 500;
  deps.progress(request, 'started', 0);
  let lastReport = now();
  const generation = await deps.model.generateText({
    system: systemPromptFor(request.role),
    prompt: taskPrompt(request),
    grammar: fileSectionsGrammar(deps.limits),
    maxTokens: deps.maxTokens,
    signal,
    ...(request.attempt > 1 ? { temperature: RETRY_TEMPERATURE, seed: request.attempt } : {}),
    onProgress: (tokens) => {
      if (now() - lastReport < interval) return;
      lastReport = now();
      deps.progress(request, 'generating', tokens);
    },
  });
  const sections = withTokens(generation.tokens, () => parseFileSections(generation.value));
  signal.throwIfAborted();
  deps.progress(request, 'committing', generation.tokens);
  const summary = sections.summary || `${request.role} work for ${request.taskId}`;
  const commit = await commitFiles(request.repo, sections.files, commitMessage(request, summary));
  if (signal.aborted) throw new ProtocolError('cancelled', 'task cancelled after its commit');
  return { commit, files: sections.files.map((f) => f.path), summary, tokens: generation.tokens };
}

/** The trailers let tools (and tests) map commits back to tasks. */
export function commitMessage(request: WorkRequest, summary: string): string {
  const title = `${request.taskId} (${request.role}): ${request.description}`.replace(/\s+/g, " ").slice(0, 72);
  return `${title}\n\n${summary}\n\nJob: ${request.jobId}\nTask: ${request.taskId}\nAttempt: ${request.attempt}\n`;
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
