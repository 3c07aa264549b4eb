import { z } from 'zod';
import { JobId } from './ids.js';
import { JobStatus } from './job.js';

/** One step of the DevOps pipeline run when a job completes. `skipped` always carries its reason. */
export const DevopsStep = z.object({
  name: z.enum(['install', 'web_build', 'docker_build', 'mobile_build', 'tag']),
  status: z.enum(['passed', 'failed', 'skipped']),
  reason: z.string().nullable(),
  durationMs: z.number().int().nonnegative(),
  logExcerpt: z.string(),
  /** Where the step's command ran: the sandbox, or the host (npm with scripts off, when the sandbox has no registry network). Null when nothing ran. */
  ranIn: z.enum(['sandbox', 'host']).nullable(),
});
export type DevopsStep = z.infer<typeof DevopsStep>;

export const DevopsReport = z.object({
  jobId: JobId,
  commit: z.string(),
  tag: z.string().nullable(),
  sandbox: z.enum(['docker', 'bubblewrap', 'none']).nullable(),
  steps: z.array(DevopsStep),
  /** Paths under the job's artifacts folder, such as web/index.html. */
  artifacts: z.array(z.string()),
  notes: z.array(z.string()),
  finishedAt: z.iso.datetime(),
});
export type DevopsReport = z.infer<typeof DevopsReport>;

/** One file of an exported result; base64 keeps binary git objects intact. */
export const ResultFile = z.object({ path: z.string().min(1), base64: z.string(), executable: z.boolean() });
export type ResultFile = z.infer<typeof ResultFile>;

/** What `GET /jobs/:id/result` returns and `autodev result` writes out. */
export const ResultBundle = z.object({
  jobId: JobId,
  status: JobStatus,
  commit: z.string().nullable(),
  /** The application at main's head, with its `.git` so the history comes along. */
  files: z.array(ResultFile),
  /** Build outputs and reports, written under `artifacts/`. */
  artifacts: z.array(ResultFile),
  devops: DevopsReport.nullable(),
});
export type ResultBundle = z.infer<typeof ResultBundle>;
