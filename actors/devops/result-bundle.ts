import { gitFs as fs } from '../git/git-fs.js';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { ProtocolError, type DevopsReport, type JobRecord, type ResultBundle, type ResultFile } from '../../proto/index.js';
import { headCommit } from '../git/repo.js';
import { readFileNoFollow } from '../fs/safe-write.js';
import { listFilesUnder } from './list-files.js';
import { exportableGitDir } from './result-git-dir.js';

/** An export bigger than this is refused rather than streamed through one JSON answer. */
export const MAX_RESULT_BYTES = 200 * 1024 * 1024;

/** Where an export puts the job's frozen acceptance suite, under artifacts/: `autodev accept APP --suite` replays it. */
export const SUITE_ARTIFACT = 'acceptance/suite.json';

/**
 * The application as it stands on main, read from git objects (not the working
 * tree), with the repository's history, branches and tags in a `.git`
 * rebuilt from data only (see result-git-dir.ts), and the job's artifacts
 * beside it, with the frozen acceptance suite (`suiteFile`) when it has one.
 */
export async function buildResultBundle(job: JobRecord, artifactsDir: string, devops: DevopsReport | null, suiteFile?: string): Promise<ResultBundle> {
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
        // A tree entry inside .git would overwrite the fresh config below; git itself refuses such trees.
        if (path.split('/').some((segment) => segment.toLowerCase() === '.git')) return undefined;
        const bytes = await entry.content();
        if (bytes) files.push(add(path, bytes, (await entry.mode()) === 0o100755));
        return undefined;
      },
    });
    for (const file of await exportableGitDir(join(job.repo, '.git'))) files.push(add(`.git/${file.path}`, file.bytes, false));
  }
  const artifacts: ResultFile[] = [];
  for (const path of await listFilesUnder(artifactsDir)) {
    const bytes = await readFileNoFollow(join(artifactsDir, path));
    if (bytes) artifacts.push(add(path, bytes, false));
  }
  const suite = suiteFile ? await readFileNoFollow(suiteFile) : null;
  if (suite && !artifacts.some((a) => a.path === SUITE_ARTIFACT)) artifacts.push(add(SUITE_ARTIFACT, suite, false));
  return { jobId: job.id, status: job.status, commit, files, artifacts, devops };
}
