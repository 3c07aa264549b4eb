import type { Blueprint } from '../proto/index.js';
import type { Logger } from '../actors/log/logger.js';
import { ingestBlueprint } from '../actors/memory/ingest.js';
import type { MemoryHandle } from '../actors/memory/deferred-memory.js';

/**
 * Puts a job's API docs (its blueprint) into the job's memory before it is
 * planned, so the first tasks can retrieve them. Memory is a help, not a
 * step: a job whose docs could not be stored plans and runs without them.
 */
export async function rememberBlueprint(memory: Pick<MemoryHandle, 'forJob'> | null, jobId: string, blueprint: Blueprint | null, log: Logger): Promise<void> {
  if (!memory || !blueprint) return;
  try {
    await ingestBlueprint(await memory.forJob(jobId), blueprint);
  } catch (error) {
    log.warn('could not put the API docs into memory', { jobId, error: String(error) });
  }
}
