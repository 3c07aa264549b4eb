import { dirname, join } from 'node:path';
import {
  formatTrailers,
  ProtocolError,
  validationTrailer,
  type Blueprint,
  type GeneratedFile,
  type TaskOutput,
  type ValidationReport,
  type WorkRequest,
  type WorkResult,
} from '../../proto/index.js';
import { withDevopsArtifacts } from '../devops/artifacts.js';
import { changedFiles, findCommitWithTrailers, headCommit, readFileAt, withRepoLock } from '../git/repo.js';
import { taskBranchName } from '../git/task-branch.js';
import type { Logger } from '../log/logger.js';
import { pipelineSummary } from '../validation/pipeline-summary.js';
import type { TaskValidator } from '../validation/task-validator.js';
import { assertSafeRelativePath } from '../worker/safe-path.js';
import { applyEdits } from './apply-edits.js';
import { attemptRecordsIn, type AttemptRecords } from './attempt-records.js';
import { buildCandidate, type Candidate } from './candidate-tree.js';
import { commitIfHeadUnchanged, probeCommit } from './commit-candidate.js';

export interface IntegrationInput {
  repo: string;
  request: WorkRequest;
  result: WorkResult;
  /** What the devops artifacts are generated from; it travels with the task, never read back from disk. */
  blueprint: Blueprint | null;
}

export type Integrate = (input: IntegrationInput) => Promise<TaskOutput>;

export interface IntegrationEngineOptions {
  /** The full validation pipeline; without it only the syntax check runs, on the candidate's versions of the task's files. */
  validate?: TaskValidator;
  /** Files generated for a devops task beside the worker's; the worker's own win on a shared path. */
  artifacts?: (blueprint: Blueprint, request: WorkRequest) => readonly GeneratedFile[];
  /** Where each attempt's full output is kept; by default `<jobDir>/integration/`. */
  records?: (repo: string) => AttemptRecords;
  /**
   * Attempts validated outside the repository lock before one is validated
   * holding it: when main keeps moving, the last round cannot be overtaken.
   */
  optimisticRounds?: number;
  log?: Logger;
}

/** The trailers let tools, tests and crash recovery map commits back to tasks. */
export function taskCommitMessage(request: WorkRequest, summary: string, validation: ValidationReport): string {
  const title = `${request.taskId} (${request.role}): ${request.description}`.replace(/\s+/g, ' ').slice(0, 72);
  const stages = validation.stages?.length || validation.verdict ? `\n\nChecks: ${pipelineSummary(validation)}` : '';
  const trailers = formatTrailers({
    Job: request.jobId,
    Task: request.taskId,
    Role: request.role,
    Attempt: String(request.attempt),
    Validation: validationTrailer(validation),
  });
  return `${title}\n\n${summary}${stages}\n\n${trailers}\n`;
}

/**
 * The IntegrationEngine: the only writer of a job's main. For one attempt it
 * builds the tree main would hold (one merge strategy, conflicts from that
 * same merge), validates exactly that tree, and commits it with
 * compare-and-swap on main; when main moved meanwhile, it builds and
 * validates again. The report, the commit's `Validation:` trailer and the
 * committed tree therefore always describe one tree. Integrating an attempt
 * twice returns the recorded output and makes no second commit.
 */
export function createIntegrationEngine(options: IntegrationEngineOptions = {}): Integrate {
  const recordsFor = options.records ?? ((repo: string) => attemptRecordsIn(join(dirname(repo), 'integration')));
  const optimisticRounds = options.optimisticRounds ?? 3;

  const validateTree = async (repo: string, commit: string, changed: readonly string[], request: WorkRequest): Promise<ValidationReport> => {
    if (options.validate) return options.validate({ repo, commit, changed, request });
    const files = await Promise.all(changed.map(async (path) => ({ path, content: (await readFileAt(repo, commit, path)) ?? '' })));
    // The syntax check parses with TypeScript, 1 s to import: loaded with the first validation, not with the daemon.
    const { checkSyntax } = await import('../validation/syntax-check.js');
    return checkSyntax(files);
  };

  return async ({ repo, request, result, blueprint }) => {
    const files = await applyEdits(repo, request.snapshot?.commit ?? (await headCommit(repo)), workerFiles(result.files), result.edits ?? []);
    const all = request.role === 'devops' && blueprint && options.artifacts ? withDevopsArtifacts(files, options.artifacts(blueprint, request)) : files;
    const paths = all.map((f) => f.path);
    const records = recordsFor(repo);

    const existing = await findCommitWithTrailers(repo, { Task: request.taskId, Attempt: String(request.attempt) });
    if (existing) return (await records.read(request.taskId, request.attempt)) ?? revalidate(existing);

    const output = (candidate: Candidate, commit: string, validation: ValidationReport): TaskOutput => ({
      commit,
      files: paths,
      summary: result.summary,
      tokens: result.tokens,
      ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
      validation,
      conflicts: candidate.conflicts,
    });

    const attempt = async (locked: boolean): Promise<TaskOutput | null> => {
      const head = await headCommit(repo);
      const candidate = await buildCandidate(repo, { base: request.snapshot?.commit ?? null, head, files: all, label: taskBranchName(request.taskId) });
      const validation = await validateTree(repo, await probeCommit(repo, head, candidate.tree), paths, request);
      let made: TaskOutput | null = null;
      const publish = () =>
        commitIfHeadUnchanged(repo, {
          head,
          tree: candidate.tree,
          message: taskCommitMessage(request, result.summary, validation),
          branch: taskBranchName(request.taskId),
          beforePublish: async (commit) => {
            made = output(candidate, commit, validation);
            await records.write(request.taskId, request.attempt, made);
          },
        });
      const commit = locked ? await publish() : await withRepoLock(repo, publish);
      return commit ? made : null;
    };

    for (let round = 1; round <= optimisticRounds; round += 1) {
      const done = await attempt(false);
      if (done) return done;
      options.log?.info('main moved while an attempt was validated; validating it again on the new main', { jobId: request.jobId, taskId: request.taskId, round });
    }
    const done = await withRepoLock(repo, () => attempt(true));
    if (!done) throw new ProtocolError('internal', `main of ${repo} moved while the repository lock was held`);
    return done;

    /** An attempt committed before its record could be trusted: its committed tree is validated again. */
    async function revalidate(commit: string): Promise<TaskOutput> {
      const changed = await changedFiles(repo, commit);
      const validation = await validateTree(repo, commit, changed, request);
      const recovered: TaskOutput = { commit, files: changed, summary: result.summary, tokens: result.tokens, validation, conflicts: [] };
      await records.write(request.taskId, request.attempt, recovered);
      return recovered;
    }
  };
}

function workerFiles(files: readonly GeneratedFile[]): GeneratedFile[] {
  for (const file of files) assertSafeRelativePath(file.path);
  if (new Set(files.map((f) => f.path)).size !== files.length) {
    throw new ProtocolError('model_output_invalid', 'the worker returned the same file twice');
  }
  return [...files];
}
