import type { MemoryContext, WorkRequest } from '../../proto/work.js';
import type { TaskOutput, WireError } from '../../proto/index.js';
import type { Logger } from '../log/logger.js';
import { answerReserve } from '../llm/context-guard.js';
import { changedFiles } from '../git/repo.js';
import { estimateTokens, CHARS_PER_TOKEN } from './chunking/tokens.js';
import { fitToBudget, memoryBudget } from './context-budget.js';
import { ingestCommit, ingestError, ingestFix, ingestTask, type CommittedFile } from './ingest.js';
import type { MemoryHandle } from './deferred-memory.js';

export interface TaskMemoryOptions {
  memory: Pick<MemoryHandle, 'forJob' | 'global'>;
  /** The worker model's context window, tokens. */
  contextTokens: number;
  /**
   * Characters of knowledge a worker's prompt carries: memory first, then
   * repository files in what memory left (see generateFiles).
   */
  knowledgeChars: number;
  /** Hits asked of the job's memory per attempt. */
  topK?: number;
  /** Reads a committed file: memory records the code as committed, conflict markers and all. */
  readCommitted: (repo: string, commit: string, path: string) => Promise<string | null>;
  log: Logger;
}

/**
 * What the Master's task runner asks of memory: context for a dispatch, and
 * what to learn from its outcome. Memory is an aid: a failure here is logged
 * and the task goes on without it.
 */
export class TaskMemory {
  readonly #options: TaskMemoryOptions;

  constructor(options: TaskMemoryOptions) {
    this.#options = options;
  }

  async contextFor(request: WorkRequest): Promise<MemoryContext | null> {
    const { memory, log } = this.#options;
    try {
      const fixedText = [request.jobPrompt, request.description, request.prompt, request.previousError ?? '', ...request.validationRules].join('\n');
      const budgetTokens = Math.min(
        memoryBudget({
          contextTokens: this.#options.contextTokens,
          // The worker's context guard keeps this much for the answer; see answerReserve.
          answerTokens: answerReserve(this.#options.contextTokens, request.maxTokens),
          // The system prompt and format instructions are under 200 tokens.
          fixedTokens: estimateTokens(fixedText) + 200,
        }),
        Math.floor(this.#options.knowledgeChars / CHARS_PER_TOKEN),
      );
      const query = [request.description, request.prompt].join('\n').slice(0, 4000);
      const job = await memory.forJob(request.jobId);
      const hits = await job.retrieve({ query, topK: this.#options.topK ?? 8 });
      if (request.previousError) {
        const global = await memory.global();
        hits.push(...(await global.retrieve({ query: request.previousError.slice(0, 4000), filter: { type: 'error' }, topK: 3 })));
      }
      if (hits.length === 0) return null;
      const context = fitToBudget(hits, budgetTokens);
      if (context.omitted.length) {
        log.info('memory context over budget; chunks named as omitted in the prompt', {
          jobId: request.jobId,
          taskId: request.taskId,
          budgetTokens,
          omitted: context.omitted.length,
        });
      }
      return context;
    } catch (error) {
      log.warn('memory retrieval failed; dispatching without memory context', { jobId: request.jobId, taskId: request.taskId, error: String(error) });
      return null;
    }
  }

  async afterCommit(request: WorkRequest, output: TaskOutput): Promise<void> {
    const { memory, log } = this.#options;
    try {
      const job = await memory.forJob(request.jobId);
      const files: CommittedFile[] = [];
      // A file the attempt wrote back unchanged (a fix task repeating it) keeps the version that last changed it.
      const changed = new Set(await changedFiles(request.repo, output.commit));
      for (const path of output.files.filter((p) => changed.has(p))) {
        const content = await this.#options.readCommitted(request.repo, output.commit, path);
        if (content !== null) files.push({ path, content });
      }
      await ingestCommit(job, { files, version: output.commit, taskId: request.taskId });
      await ingestTask(job, {
        taskId: request.taskId,
        role: request.role,
        description: request.description,
        status: output.validation.passed ? 'completed' : 'completed with validation issues',
        summary: output.summary,
        files: output.files,
        commit: output.commit,
      });
      if (!output.validation.passed) {
        const message = output.validation.issues.join('\n');
        await ingestError({ job, global: await memory.global() }, request.jobId, {
          taskId: request.taskId,
          role: request.role,
          code: 'validation_failed',
          message,
          attempt: request.attempt,
        });
      } else if (request.previousError) {
        await ingestFix(await memory.global(), request.jobId, {
          taskId: request.taskId,
          role: request.role,
          error: request.previousError,
          summary: output.summary,
          files: output.files,
        });
      }
    } catch (error) {
      log.warn('memory ingestion after a commit failed', { jobId: request.jobId, taskId: request.taskId, error: String(error) });
    }
  }

  async afterFailure(request: WorkRequest, error: WireError): Promise<void> {
    const { memory, log } = this.#options;
    if (error.code === 'cancelled') return;
    try {
      await ingestError({ job: await memory.forJob(request.jobId), global: await memory.global() }, request.jobId, {
        taskId: request.taskId,
        role: request.role,
        code: error.code,
        message: error.message,
        attempt: request.attempt,
      });
    } catch (failure) {
      log.warn('memory could not record an error', { jobId: request.jobId, taskId: request.taskId, error: String(failure) });
    }
  }
}
