import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_RECORD_VERSION, JobRecord } from '../../proto/index.js';
import { initJobRepo, type InitialFile } from '../../actors/git/repo.js';

/**
 * A finished job on disk, as the daemon's FileJobStore saves one: the MCP
 * servers serve only jobs that exist. With `files`, its repository gets
 * one initial commit on main.
 */
export async function seedJob(jobsDir: string, id: string, files: readonly InitialFile[] = []): Promise<string> {
  const repo = join(jobsDir, id, 'repo');
  mkdirSync(repo, { recursive: true });
  const now = new Date().toISOString();
  const record = JobRecord.parse({
    schemaVersion: JOB_RECORD_VERSION,
    id,
    prompt: 'seeded by a test',
    spec: null,
    blueprint: null,
    status: 'completed',
    repo,
    createdAt: now,
    updatedAt: now,
    tasks: [],
    error: null,
    acceptance: null,
  });
  writeFileSync(join(jobsDir, id, 'job.json'), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  if (files.length > 0) await initJobRepo(repo, files, 'initial');
  return repo;
}
