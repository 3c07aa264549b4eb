import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CorruptJobView, JobId, JobRecord, migrateJobRecord, Timestamp, type JobId as JobIdType } from '../proto/index.js';
import type { JobStore } from '../actors/master/job-store.js';
import type { Logger } from '../actors/log/logger.js';
import { writeFileAtomically } from '../actors/fs/write-file-atomically.js';

/** Beside a record that was moved aside: why, and where it went. */
const CORRUPT_NOTE = 'job.corrupt.json';
const CorruptNote = z.object({ reason: z.string(), file: z.string(), at: Timestamp });

/**
 * One `job.json` per job folder, replaced atomically: written to a temporary
 * file, flushed to disk, then renamed over the old one. A record that cannot
 * be read is moved aside (`job.json.corrupt-<ms>`, kept for a person) with a
 * note, and the job is listed as corrupt instead of vanishing.
 */
export class FileJobStore implements JobStore {
  readonly #dir: string;
  readonly #log: Logger;
  readonly #now: () => Date;

  constructor(options: { jobsDir: string; log: Logger; now?: () => Date }) {
    this.#dir = options.jobsDir;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
  }

  async save(job: JobRecord): Promise<void> {
    const folder = join(this.#dir, job.id);
    await mkdir(folder, { recursive: true });
    // Compact: a 1000-task record is rewritten often, and indentation doubles its size.
    await writeFileAtomically(join(folder, 'job.json'), `${JSON.stringify(job)}\n`, { mode: 0o600, sync: true });
  }

  async get(id: JobIdType): Promise<JobRecord | null> {
    let text: string;
    try {
      text = await readFile(join(this.#dir, id, 'job.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const read = readRecord(text);
    if ('record' in read) return read.record;
    await this.#setAside(id, read.reason);
    return null;
  }

  async list(): Promise<JobRecord[]> {
    const jobs = await Promise.all((await this.#jobIds()).map((id) => this.get(id).catch(() => null)));
    return jobs.filter((job): job is JobRecord => job !== null);
  }

  /** Jobs whose record was moved aside and not put back. */
  async listCorrupt(): Promise<CorruptJobView[]> {
    const views = await Promise.all((await this.#jobIds()).map((id) => this.getCorrupt(id)));
    return views.filter((view): view is CorruptJobView => view !== null);
  }

  async getCorrupt(id: JobIdType): Promise<CorruptJobView | null> {
    const folder = join(this.#dir, id);
    const note = await readFile(join(folder, CORRUPT_NOTE), 'utf8').catch(() => null);
    if (note === null) return null;
    // A record put back (or rewritten) wins over an old note.
    if (await readFile(join(folder, 'job.json')).then(() => true, () => false)) return null;
    let parsed;
    try {
      parsed = CorruptNote.safeParse(JSON.parse(note));
    } catch {
      parsed = null;
    }
    const { reason, file, at } = parsed?.success ? parsed.data : { reason: 'unknown (its note is unreadable too)', file: 'job.json.corrupt-*', at: new Date(0).toISOString() };
    return {
      jobId: id,
      status: 'corrupt',
      reason,
      file: join(folder, file),
      at,
      recovery:
        `the job's repository (${join(folder, 'repo')}) is untouched; to resume the job, repair ${join(folder, file)} and rename it back to ` +
        `${join(folder, 'job.json')}, then restart autodevd; to drop it, delete ${folder}`,
    };
  }

  async #jobIds(): Promise<JobIdType[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.filter((name) => JobId.safeParse(name).success);
  }

  async #setAside(id: JobIdType, reason: string): Promise<void> {
    const folder = join(this.#dir, id);
    const at = this.#now();
    const file = `job.json.corrupt-${at.getTime()}`;
    try {
      await rename(join(folder, 'job.json'), join(folder, file));
    } catch (error) {
      // Another reader moved it first.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await writeFileAtomically(join(folder, CORRUPT_NOTE), `${JSON.stringify({ reason, file, at: at.toISOString() })}\n`, { mode: 0o600 });
    this.#log.error('job record is unreadable; moved it aside and listed the job as corrupt', { jobId: id, reason, file: join(folder, file) });
  }
}

/** The record, or why it cannot be used; the reason never quotes the file (JSON.parse's message would). */
function readRecord(text: string): { record: JobRecord } | { reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { reason: `job.json is not valid JSON (${Buffer.byteLength(text)} bytes; truncated or overwritten)` };
  }
  const parsed = JobRecord.safeParse(migrateJobRecord(raw));
  if (parsed.success) return { record: parsed.data };
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(record)'))].slice(0, 5);
  return { reason: `job.json does not match the job record schema (version ${readVersion(raw)}); wrong fields: ${fields.join(', ')}` };
}

/** Only a number is shown: anything else would quote the file. */
function readVersion(raw: unknown): string {
  const version = typeof raw === 'object' && raw !== null && 'schemaVersion' in raw ? raw.schemaVersion : null;
  return typeof version === 'number' ? String(version) : 'unknown';
}
