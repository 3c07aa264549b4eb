import { z } from 'zod';
import { JobId, TaskId } from './ids.js';
import { TaskStatus } from './task.js';

/**
 * `GET /jobs/:id/tasks/:taskId/diff`: what a task's commit changed, against
 * its first parent, as unified hunks. Bounded so one huge generated file
 * cannot make the answer huge: past the limits a file keeps its name and
 * counts but loses its hunks, and `truncated` says so.
 */
export const TASK_DIFF_LIMITS = {
  /** Files listed; later ones are dropped (and `truncated` set). */
  maxFiles: 200,
  /** A side of a file larger than this is not diffed (`omitted: 'too_large'`). */
  maxFileBytes: 256 * 1024,
  /** Hunk lines over the whole answer; later files keep their counts only (`omitted: 'limit'`). */
  maxLines: 4000,
  /** One hunk line, in characters; longer lines are cut (minified code). */
  maxLineChars: 400,
} as const;

export const DiffHunk = z.object({
  oldStart: z.number().int().nonnegative(),
  oldLines: z.number().int().nonnegative(),
  newStart: z.number().int().nonnegative(),
  newLines: z.number().int().nonnegative(),
  /** Unified-diff lines: a leading ' ', '+' or '-', or '\' for "No newline at end of file". */
  lines: z.array(z.string()),
});
export type DiffHunk = z.infer<typeof DiffHunk>;

export const DiffFileStatus = z.enum(['added', 'modified', 'deleted']);
export type DiffFileStatus = z.infer<typeof DiffFileStatus>;

export const DiffFile = z.object({
  path: z.string(),
  status: DiffFileStatus,
  /** Lines added and removed; null when the file was not diffed (binary or too large). */
  additions: z.number().int().nonnegative().nullable(),
  deletions: z.number().int().nonnegative().nullable(),
  hunks: z.array(DiffHunk),
  /** Why the file has no hunks although it changed; null when they are all there. */
  omitted: z.enum(['binary', 'too_large', 'limit']).nullable(),
});
export type DiffFile = z.infer<typeof DiffFile>;

/**
 * `committed`: the task's last committed attempt (`commit`) against its first
 * parent (`parent`, null for a root commit). `no_commit`: no attempt of the
 * task has been committed yet (pending, running, failed before a commit):
 * nothing to show, which is not the same as an empty change.
 */
export const TaskDiff = z.discriminatedUnion('state', [
  z.object({
    state: z.literal('committed'),
    jobId: JobId,
    taskId: TaskId,
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    parent: z.string().regex(/^[0-9a-f]{40}$/).nullable(),
    files: z.array(DiffFile),
    /** Some files or hunks were left out by TASK_DIFF_LIMITS. */
    truncated: z.boolean(),
  }),
  z.object({
    state: z.literal('no_commit'),
    jobId: JobId,
    taskId: TaskId,
    /** The task's status when asked, so the page can say why. */
    taskStatus: TaskStatus,
  }),
]);
export type TaskDiff = z.infer<typeof TaskDiff>;
