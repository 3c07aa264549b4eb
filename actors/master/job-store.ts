import type { JobId, JobRecord } from '../../proto/index.js';

/** Durable job records; `save` must be atomic, so a crash never leaves half a record. */
export interface JobStore {
  save(job: JobRecord): Promise<void>;
  get(id: JobId): Promise<JobRecord | null>;
  list(): Promise<JobRecord[]>;
}
