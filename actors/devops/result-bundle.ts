import { gitFs as fs } from '../git/git-fs.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { ProtocolError, type DevopsReport, type JobRecord, type ResultBundle, type ResultFile } from '../../proto/index.js';
import { headCommit } from '../git/repo.js';
import { listFilesUnder } from './list-files.js';

/** An export bigger than this is refused rather than streamed through one JSON answer. */
export const MAX_RESULT_BYTES = 200 * 1024 * 1024;

/**
 * The application as it stands on main, read from git objects (not the working
 * tree), with the repository's `.git` folder so the history, branches and tags
 * travel too, and the job's artifacts beside it.
 */
export async function buildResultBundle(job: JobRecord, artifactsDir: string, devops: DevopsReport | null): Promise<ResultBundle> {
  const commit = await headCommit(job.repo);
  let total = 0;
  const add = (path: string, bytes: Uint8Array, executable: boolean): ResultFile => {
    total += bytes.byteLength;
    if (total > MAX_RESULT_BYTES) {
      throw new ProtocolError('bad_request', `the result of job ${job.id} is over ${MAX_RESULT_BYTES / 1024 / 1024} MiB; copy ${job.repo} with git clone instead`);
    }
    return { path, base64: Buffer.from(bytes).toString('base64'), executable };
  };
  const files: ResultFile[] = [];
  if (commit) {
    await git.walk({
      fs,
      dir: job.repo,
      trees: [git.TREE({ ref: commit })],
      map: async (path, [entry]) => {
        if (!entry || path === '.' || (await entry.type()) !== 'blob') return undefined;
        const bytes = await entry.content();
        if (bytes) files.push(add(path, bytes, (await entry.mode()) === 0o100755));
        return undefined;
      },
    });
    const gitDir = join(job.repo, '.git');
    for (const path of await listFilesUnder(gitDir)) files.push(add(`.git/${path}`, await readFile(join(gitDir, path)), false));
  }
  const artifacts: ResultFile[] = [];
  for (const path of await listFilesUnder(artifactsDir)) artifacts.push(add(path, await readFile(join(artifactsDir, path)), false));
  return { jobId: job.id, status: job.status, commit, files, artifacts, devops };
}
