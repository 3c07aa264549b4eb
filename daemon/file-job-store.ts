import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobRecord, type JobId } from '../proto/index.js';
import type { JobStore } from '../actors/master/job-store.js';
import type { Logger } from '../actors/log/logger.js';
import { writeFileAtomically } from '../actors/fs/write-file-atomically.js';

/**
 * One `job.json` per job folder, replaced atomically: written to a temporary
 * file, flushed to disk, then renamed over the old one.
 */
export class FileJobStore implements JobStore {
  readonly #dir: string;
  readonly #log: Logger;

  constructor(options: { jobsDir: string; log: Logger }) {
    this.#dir = options.jobsDir;
    this.#log = options.log;
  }

  async save(job: JobRecord): Promise<void> {
    const folder = join(this.#dir, job.id);
    await mkdir(folder, { recursive: true });
    // Compact: a 1000-task record is rewritten often, and indentation doubles its size.
    await writeFileAtomically(join(folder, 'job.json'), `${JSON.stringify(job)}\n`, { mode: 0o600, sync: true });
  }

  async get(id: JobId): Promise<JobRecord | null> {
    let text: string;
    try {
      text = await readFile(join(this.#dir, id, 'job.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      this.#log.error('job record is not JSON', { jobId: id, problem: String(error) });
      return null;
    }
    const parsed = JobRecord.safeParse(raw);
    if (!parsed.success) {
      this.#log.error('unreadable job record', { jobId: id, problem: parsed.error.message });
      return null;
    }
    return parsed.data;
  }

  async list(): Promise<JobRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const jobs = await Promise.all(names.map((name) => this.get(name).catch(() => null)));
    return jobs.filter((job): job is JobRecord => job !== null);
  }
}
