import { ProtocolError, type GeneratedFile, type TaskOutput, type WorkRequest, type WorkResult } from '../../proto/index.js';
import { findCommitWithTrailers, headCommit } from '../git/repo.js';
import { commitTaskAndMerge, taskBranchName } from '../git/task-branch.js';
import { assertSafeRelativePath } from '../worker/safe-path.js';
import { checkSyntax } from '../validation/syntax-check.js';
import type { TaskValidator } from '../validation/task-validator.js';
import { mergeOntoHead } from './merge.js';

export interface IntegrateOptions {
  /** The full validation pipeline; without it only the syntax stage runs, on the worker's files. */
  validate?: TaskValidator;
  /** Files generated for the task beside the worker's (the devops artifacts); the worker's own win on a shared path. */
  extraFiles?: (request: WorkRequest) => Promise<readonly GeneratedFile[]>;
}

/** The trailers let tools, tests and crash recovery map commits back to tasks. */
export function commitMessage(request: WorkRequest, summary: string, validation: TaskOutput['validation']): string {
  const title = `${request.taskId} (${request.role}): ${request.description}`.replace(/\s+/g, ' ').slice(0, 72);
  const checks = validation.passed ? 'passed' : `${validation.issues.length} issue(s)`;
  const stages = validation.stages?.length ? `\n\nChecks: ${validation.stages.map((s) => `${s.stage} ${s.status}`).join(', ')}` : '';
  return `${title}\n\n${summary}${stages}\n\nJob: ${request.jobId}\nTask: ${request.taskId}\nRole: ${request.role}\nAttempt: ${request.attempt}\nValidation: ${checks}\n`;
}

/**
 * The IntegrationEngine's step for one task: check the worker's files,
 * validate them, commit them on the task's branch, merge that into main, and
 * report what the validation found. Running it twice for one attempt (a
 * restored actor re-runs it) yields one commit.
 */
export async function integrateWork(repo: string, request: WorkRequest, reply: WorkResult, options: IntegrateOptions = {}): Promise<TaskOutput> {
  for (const file of reply.files) assertSafeRelativePath(file.path);
  if (new Set(reply.files.map((f) => f.path)).size !== reply.files.length) {
    throw new ProtocolError('model_output_invalid', 'the worker returned the same file twice');
  }
  const written = new Set(reply.files.map((f) => f.path));
  const extra = options.extraFiles ? (await options.extraFiles(request)).filter((f) => !written.has(f.path)) : [];
  const result = { ...reply, files: [...reply.files, ...extra] };
  const syntax = checkSyntax(result.files);
  const existing = await findCommitWithTrailers(repo, { Task: request.taskId, Attempt: String(request.attempt) });
  if (existing) {
    return { commit: existing, files: result.files.map((f) => f.path), summary: result.summary, tokens: result.tokens, validation: syntax, conflicts: [] };
  }
  const base = request.snapshot?.commit ?? null;
  const merged = await mergeOntoHead(repo, base, result.files, request.taskId);
  const validation = options.validate
    ? await options.validate({ repo, head: await headCommit(repo), files: result.files, request })
    : syntax;
  const outcome = await commitTaskAndMerge(repo, {
    branch: taskBranchName(request.taskId),
    base,
    files: result.files,
    message: commitMessage(request, result.summary, validation),
    conflictFiles: merged.files,
    mergeMessage: `Merge ${taskBranchName(request.taskId)} (${request.role}) into main\n\nMerges: ${request.taskId} attempt ${request.attempt}\n`,
  });
  const conflicts = outcome.merge !== 'conflict' ? [] : merged.conflicts.length > 0 ? merged.conflicts : outcome.conflictPaths;
  return {
    commit: outcome.commit,
    files: result.files.map((f) => f.path),
    summary: result.summary,
    tokens: result.tokens,
    ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
    validation,
    conflicts,
  };
}
