import { z } from 'zod';
import { safePathProblem } from './safe-path.js';
import { JobId, TaskId } from './ids.js';
import { Role } from './task.js';
import { ValidationRule } from './rules.js';
import { WireError } from './errors.js';
import { MemoryType } from './memory.js';

/** A piece of memory chosen for a worker's prompt. */
export const ContextChunk = z.object({
  id: z.string(),
  type: MemoryType,
  source: z.string(),
  content: z.string(),
});
export type ContextChunk = z.infer<typeof ContextChunk>;

/**
 * Memory retrieved for one attempt, already fitted to the worker model's
 * context window by the Master. `omitted` names what was relevant but did not
 * fit, so the prompt can say so instead of cutting silently.
 */
export const MemoryContext = z.object({
  chunks: z.array(ContextChunk),
  omitted: z.array(z.object({ id: z.string(), source: z.string() })),
  budgetTokens: z.number().int().nonnegative(),
});
export type MemoryContext = z.infer<typeof MemoryContext>;

/** What the Master sends a worker of the task's role. */
export const WorkRequest = z.object({
  type: z.literal('work.request'),
  jobId: JobId,
  taskId: TaskId,
  attempt: z.number().int().positive(),
  role: Role,
  repo: z.string(),
  jobPrompt: z.string(),
  description: z.string(),
  prompt: z.string(),
  /** The task's rules in words, for the prompt. */
  validationRules: z.array(z.string()),
  /** The task's executable rules, which the IntegrationEngine runs on the candidate tree; absent from older Masters. */
  rules: z.array(ValidationRule).optional(),
  /** The task's token budget for this attempt; a worker may cap it lower, never higher. */
  maxTokens: z.number().int().positive(),
  /** The error of the previous attempt, so the retry prompt can carry it. */
  previousError: z.string().nullable(),
  /** The worker that failed the previous attempt; another one takes the retry when it can. */
  avoidWorker: z.string().nullable(),
  /** The repository as it stood at dispatch, in the snapshot object store; null for an empty repository. */
  snapshot: z.object({ name: z.string(), commit: z.string() }).nullable(),
  /** Null when the daemon has no memory, or nothing relevant was found. */
  memory: MemoryContext.nullable().optional(),
  /** The task's MCP tool allow-list: `server` or `server.tool` entries (docs/mcp.md). */
  tools: z.array(z.string()).optional(),
  /** A fix or merge task may answer with edit blocks on existing files, not only whole files. */
  allowEdits: z.boolean().optional(),
});
export type WorkRequest = z.infer<typeof WorkRequest>;

/** A path that model output names: held to the safe-path rule at every boundary. */
export const SafePath = z.string().superRefine((path, ctx) => {
  const problem = safePathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `unsafe file path: ${problem}` });
});

/** Generated files travel back to the Master, which validates and commits them. */
export const GeneratedFile = z.object({ path: SafePath, content: z.string().max(512 * 1024) });
export type GeneratedFile = z.infer<typeof GeneratedFile>;

/**
 * A search/replace edit of a file that exists at the worker's snapshot, so a
 * fix to a large file does not rewrite it whole. `search` must occur exactly
 * once in the file as the snapshot holds it; otherwise the edit is refused.
 */
export const FileEdit = z.object({ path: SafePath, search: z.string().min(1).max(256 * 1024), replace: z.string().max(256 * 1024) });
export type FileEdit = z.infer<typeof FileEdit>;

export const WorkResult = z.object({
  /** Ids of the memory chunks the prompt really carried, after fitting it to the model's window. */
  contextChunks: z.array(z.string()).optional(),
  summary: z.string(),
  files: z.array(GeneratedFile).max(64),
  /** Edits of existing files, applied in order by the integration engine; absent when the worker wrote whole files only. */
  edits: z.array(FileEdit).max(64).optional(),
  tokens: z.number().int().nonnegative(),
  /** US dollars the generation cost (API models with configured prices); absent for local models. */
  costUsd: z.number().nonnegative().optional(),
}).refine((result) => result.files.length + (result.edits?.length ?? 0) > 0, { message: 'a result writes at least one file or edit', path: ['files'] });
export type WorkResult = z.infer<typeof WorkResult>;

export const WorkSucceeded = z.object({ type: z.literal('work.succeeded'), worker: z.string(), result: WorkResult });
export const WorkFailed = z.object({ type: z.literal('work.failed'), worker: z.string(), error: WireError });
export const WorkReply = z.discriminatedUnion('type', [WorkSucceeded, WorkFailed]);
export type WorkReply = z.infer<typeof WorkReply>;

export const CancelCommand = z.object({ type: z.literal('cmd.cancel'), jobId: JobId, reason: z.string() });
export type CancelCommand = z.infer<typeof CancelCommand>;

/** The files of a repository at one commit: what a worker reads for context. */
export const RepoSnapshot = z.object({
  commit: z.string(),
  files: z.array(z.object({ path: z.string(), content: z.string() })),
});
export type RepoSnapshot = z.infer<typeof RepoSnapshot>;

/** What a worker process uses, and what its machine has left, at one heartbeat. */
export const WorkerResources = z.object({
  rssBytes: z.number().int().nonnegative(),
  /** Process CPU time over wall time since the previous heartbeat; 100 is one full core. */
  cpuPercent: z.number().nonnegative(),
  freeMemoryBytes: z.number().int().nonnegative(),
  loadAverage1m: z.number().nonnegative(),
});
export type WorkerResources = z.infer<typeof WorkerResources>;

/** A worker process's sign of life, published every few seconds. */
export const WorkerHeartbeat = z.object({
  type: z.literal('worker.heartbeat'),
  worker: z.string(),
  process: z.string(),
  roles: z.array(Role),
  busy: z.number().int().nonnegative(),
  capacity: z.number().int().positive(),
  at: z.iso.datetime(),
  /** Optional: workers of earlier versions do not send them. */
  resources: WorkerResources.optional(),
  /** Why the worker takes no new work now: its machine is short of memory. */
  paused: z.enum(['low_memory']).nullable().optional(),
});
export type WorkerHeartbeat = z.infer<typeof WorkerHeartbeat>;
