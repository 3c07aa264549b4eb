import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { mkdirUnder, writeFileUnder } from '../../actors/fs/safe-write.js';
import { ResultBundle, isTerminalJobStatus, type ResultFile } from '../../proto/index.js';
import { jsonOrThrow, send } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { daemonFor } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** Paths come from the daemon; one that climbs out of DIR is refused, not written. */
function target(root: string, path: string): string {
  const full = resolve(root, path);
  if (!full.startsWith(root + sep)) throw new CliError('usage', `the daemon sent a path outside the output folder: ${path}`);
  return full;
}

/** Git runs hooks for whoever uses the folder next: an export never carries one, whatever the daemon sent. */
const isHook = (path: string) => /^\.git\/hooks(\/|$)/i.test(path);

async function writeAll(root: string, files: readonly ResultFile[]): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const file of files) {
    target(root, file.path);
    if (isHook(file.path)) continue;
    await writeFileUnder(root, file.path, Buffer.from(file.base64, 'base64'), { mode: file.executable ? 0o755 : 0o644 });
  }
  // Git recognises a repository only with these folders, which a bundle of files cannot carry when they are empty (all refs packed).
  if (files.some((f) => f.path === '.git/HEAD')) for (const dir of ['.git/objects', '.git/refs/heads', '.git/refs/tags']) await mkdirUnder(root, dir);
}

/**
 * The folder the artifacts go to: `artifacts`, unless the application itself
 * has a file there (its own tracked files must stay as committed, so `git
 * status` in the export is clean).
 */
export function artifactsFolder(files: readonly ResultFile[]): string {
  const taken = (name: string) => files.some((f) => f.path.toLowerCase() === name || f.path.toLowerCase().startsWith(`${name}/`));
  let name = 'artifacts';
  for (let n = 2; taken(name); n += 1) name = n === 2 ? 'autodev-artifacts' : `autodev-artifacts-${n}`;
  return name;
}

export const resultCommand: Command = {
  name: 'result',
  summary: 'export a finished job: the application, its git history and its artifacts',
  usage: `Usage: autodev result JOB --out DIR [--json]

Writes the application as it stands on main into DIR, with its .git (history,
task branches, version tag), and the build outputs and reports into
DIR/artifacts/ (which git in DIR ignores): RESULT.md (what was built and
checked, or why the job failed), status.json (the job as status --json shows
it), and acceptance/ (the frozen suite and every round's report). A
completed job is tagged and built first, if that has not happened yet. Works
for failed and cancelled jobs too. DIR must be empty or not exist. Starts
the daemon in the background when none is running.

Options:
  --out DIR    where to write the result (required)
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, out: { type: 'string' } },
  async run(ctx, values, positionals) {
    const jobId = positionals[0];
    if (positionals.length !== 1 || !jobId) throw new CliError('usage', 'result takes exactly one JOB argument');
    if (typeof values.out !== 'string' || values.out.length === 0) throw new CliError('usage', 'result needs --out DIR: the folder to write the application to');
    const out = resolve(values.out);
    if (!(await isEmptyOrMissing(out))) throw new CliError('usage', `${out} is not empty; pick a new folder so nothing there is overwritten`);
    const connection = await daemonFor(ctx);
    const res = await send(connection, connection.api.jobs[':id'].result, '$get', { param: { id: jobId } });
    const bundle = await jsonOrThrow(res, ResultBundle);
    // The status is the record's, sent with the bundle; a job not ended has no result to export yet.
    if (!isTerminalJobStatus(bundle.status)) throw new CliError('usage', `job ${bundle.jobId} is still ${bundle.status}; wait for it (autodev watch ${bundle.jobId}) and ask again`);
    await mkdir(out, { recursive: true });
    await writeAll(out, bundle.files);
    const folder = artifactsFolder(bundle.files);
    await writeAll(join(out, folder), bundle.artifacts);
    // The artifacts are the export's, not the application's: git is told to ignore them, so the repository reads as committed.
    if (bundle.files.some((f) => f.path === '.git/HEAD')) await writeFileUnder(out, '.git/info/exclude', `/${folder}/\n`);
    const summary = {
      jobId: bundle.jobId,
      status: bundle.status,
      out,
      artifactsDir: join(out, folder),
      commit: bundle.commit,
      tag: bundle.devops?.tag ?? null,
      files: bundle.files.filter((f) => !f.path.startsWith('.git/')).length,
      artifacts: bundle.artifacts.map((f) => f.path),
      steps: bundle.devops?.steps.map((s) => ({ name: s.name, status: s.status, reason: s.reason })) ?? [],
    };
    if (ctx.json) ctx.out(JSON.stringify(summary));
    else {
      ctx.out(`job ${bundle.jobId} (${bundle.status}) exported to ${out}: ${summary.files} file(s) at ${bundle.commit?.slice(0, 12) ?? 'no commit'}${summary.tag ? `, tag ${summary.tag}` : ''}`);
      for (const step of summary.steps) ctx.out(`  ${step.name.padEnd(13)} ${step.status}${step.reason ? `: ${step.reason}` : ''}`);
      if (summary.artifacts.length > 0) ctx.out(`  artifacts: ${summary.artifacts.length} file(s) in ${summary.artifactsDir}`);
      if (summary.artifacts.includes('RESULT.md')) ctx.out(`  ${bundle.status === 'completed' ? 'what was built and checked' : `why it ${bundle.status === 'cancelled' ? 'was cancelled' : 'failed'}`}: ${join(summary.artifactsDir, 'RESULT.md')}`);
    }
    return EXIT.ok;
  },
};
