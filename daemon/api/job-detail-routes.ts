import { join } from 'node:path';
import { Hono } from 'hono';
import { z } from 'zod';
import { readJsonAs } from '../../actors/fs/read-json-as.js';
import type { commitDiff } from '../../actors/git/commit-diff.js';
import {
  AcceptanceReport,
  JobId,
  ProtocolError,
  TaskId,
  type AcceptanceRoundApp,
  type JobRecord,
  type TaskDiff,
} from '../../proto/index.js';
import { pathParams } from './validate.js';

/** What the detail routes read: job records, and the folder that holds each job's acceptance reports. */
export interface JobDetailDeps {
  get(id: string): Promise<JobRecord | null>;
  /** `<home>/jobs`; absent, the round routes answer 404 (a daemon without job files). */
  jobsDir?: string;
}

const TaskParams = z.object({ id: JobId, taskId: TaskId });
// Four digits: the suite store writes round-<n>.json for rounds the config allows, far fewer than this.
const RoundParams = z.object({ id: JobId, round: z.coerce.number().int().positive().max(9999) });

async function jobOr404(deps: JobDetailDeps, id: string): Promise<JobRecord> {
  const job = await deps.get(id);
  if (!job) throw new ProtocolError('not_found', `no job ${id}`);
  return job;
}

async function readRoundReport(file: string): Promise<AcceptanceReport | null> {
  const read = await readJsonAs(file, AcceptanceReport);
  if (read && !read.ok) throw new ProtocolError('internal', `the round's report (${file}) does not match its schema`);
  return read?.value ?? null;
}

/**
 * Read-only views of one job beyond its record's view: what a task's commit
 * changed (from the job's repository, by the commit the record names), and
 * how an acceptance round set the app up and what the app printed.
 */
export function jobDetailRoutes(deps: JobDetailDeps) {
  return new Hono()
    .get('/jobs/:id/tasks/:taskId/diff', pathParams(TaskParams), async (c) => {
      const { id, taskId } = c.req.valid('param');
      const job = await jobOr404(deps, id);
      const task = job.tasks.find((t) => t.id === taskId);
      if (!task) throw new ProtocolError('not_found', `job ${id} has no task ${taskId}`);
      if (!task.output) return c.json({ state: 'no_commit', jobId: id, taskId, taskStatus: task.status } satisfies TaskDiff);
      let diff: Awaited<ReturnType<typeof commitDiff>>;
      try {
        // Loaded on the first diff asked for: the diff package has no place in the daemon's start (daemon/startup-imports.test.ts).
        const { commitDiff: diffOf } = await import('../../actors/git/commit-diff.js');
        diff = await diffOf(job.repo, task.output.commit);
      } catch (error) {
        throw new ProtocolError('conflict', `task ${taskId}'s commit ${task.output.commit} cannot be read from the job's repository: ${(error as Error).message}`, undefined, { cause: error });
      }
      return c.json({ state: 'committed', jobId: id, taskId, commit: task.output.commit, ...diff } satisfies TaskDiff);
    })
    .get('/jobs/:id/acceptance/rounds/:round/app', pathParams(RoundParams), async (c) => {
      const { id, round } = c.req.valid('param');
      await jobOr404(deps, id);
      if (!deps.jobsDir) throw new ProtocolError('not_found', 'this daemon keeps no acceptance reports');
      const report = await readRoundReport(join(deps.jobsDir, id, 'acceptance', `round-${round}.json`));
      const answer: AcceptanceRoundApp = report ? { state: 'reported', jobId: id, round, app: report.app } : { state: 'not_reported', jobId: id, round };
      return c.json(answer);
    });
}
