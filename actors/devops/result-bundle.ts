import { gitFs as fs } from '../git/git-fs.js';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import { ProtocolError, toJobView, type DevopsReport, type JobRecord, type ResultBundle, type ResultFile } from '../../proto/index.js';
import { headCommit } from '../git/repo.js';
import { readFileNoFollow } from '../fs/safe-write.js';
import { failureNotes } from './failure-notes.js';
import { listFilesUnder } from './list-files.js';
import { exportableGitDir } from './result-git-dir.js';

/** An export bigger than this is refused rather than streamed through one JSON answer. */
export const MAX_RESULT_BYTES = 200 * 1024 * 1024;

/** Where an export puts the job's frozen acceptance suite, under artifacts/: `autodev accept APP --suite` replays it. */
export const SUITE_ARTIFACT = 'acceptance/suite.json';

/** The job's status object at export, under artifacts/. */
export const STATUS_ARTIFACT = 'status.json';

/** An acceptance round's full report, as the integration phase saved it beside suite.json. */
const ROUND_REPORT = /^round-\d{1,4}\.json$/;

/** The round reports in `dir`: regular files only (a link in their place is skipped, never followed), in round order. */
async function roundReports(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isFile() && ROUND_REPORT.test(e.name)).map((e) => e.name);
  return names.sort((a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')));
}

/**
 * The application as it stands on main, read from git objects (not the working
 * tree), with the repository's history, branches and tags in a `.git`
 * rebuilt from data only (see result-git-dir.ts), and the job's artifacts
 * beside it: the frozen acceptance suite (`suiteFile`) and every round's
 * report from its folder, the job's status, and a RESULT.md for every job
 * (the finalizer writes a completed job's; one that did not complete gets
 * one here saying why).
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
  const has = (path: string) => artifacts.some((a) => a.path === path);
  const suite = suiteFile ? await readFileNoFollow(suiteFile) : null;
  if (suite && !has(SUITE_ARTIFACT)) artifacts.push(add(SUITE_ARTIFACT, suite, false));
  if (suiteFile) {
    for (const name of await roundReports(dirname(suiteFile))) {
      const bytes = await readFileNoFollow(join(dirname(suiteFile), name));
      if (bytes && !has(`acceptance/${name}`)) artifacts.push(add(`acceptance/${name}`, bytes, false));
    }
  }
  if (!has(STATUS_ARTIFACT)) artifacts.push(add(STATUS_ARTIFACT, Buffer.from(`${JSON.stringify(toJobView(job), null, 2)}\n`), false));
  if (job.status !== 'completed' && !has('RESULT.md')) {
    artifacts.push(add('RESULT.md', Buffer.from(failureNotes(job, commit, artifacts.map((a) => a.path))), false));
  }
  artifacts.sort((a, b) => a.path.localeCompare(b.path));
  return { jobId: job.id, status: job.status, commit, files, artifacts, devops };
}
