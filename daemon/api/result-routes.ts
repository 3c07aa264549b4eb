import { Hono } from 'hono';
import { z } from 'zod';
import { isTerminalJobStatus, JobId, ProtocolError, type DevopsReport, type JobRecord, type ResultBundle } from '../../proto/index.js';
import { pathParams } from './validate.js';

export interface ResultService {
  get(id: string): Promise<JobRecord | null>;
  /** Tags and builds a completed job once, returning its report; later calls return the stored one. */
  finalize(job: JobRecord): Promise<DevopsReport>;
  bundle(job: JobRecord, devops: DevopsReport | null): Promise<ResultBundle>;
}

const JobParams = z.object({ id: JobId });

/**
 * `GET /jobs/:id/result`: the application and its artifacts, for
 * `autodev result`. A completed job is finalized first (version tag, builds),
 * so asking right after completion waits for that rather than racing it.
 */
export function resultRoutes(service: ResultService | undefined) {
  return new Hono().get('/jobs/:id/result', pathParams(JobParams), async (c) => {
    const { id } = c.req.valid('param');
    if (!service) throw new ProtocolError('not_found', 'this daemon was started without result export');
    const job = await service.get(id);
    if (!job) throw new ProtocolError('not_found', `no job ${id}`);
    // Any state that is not an end: an integrating job's main may still change, and its verdict is not in.
    if (!isTerminalJobStatus(job.status)) {
      throw new ProtocolError('conflict', `job ${id} is still ${job.status}; wait for it (autodev watch ${id}) and ask again`);
    }
    const devops = job.status === 'completed' ? await service.finalize(job) : null;
    return c.json(await service.bundle(job, devops));
  });
}
