import { ProtocolError, type TaskOutput, type WorkRequest, type WorkResult } from '../../proto/index.js';
import { commitFiles, findCommitWithTrailers } from '../git/repo.js';
import { assertSafeRelativePath } from '../worker/safe-path.js';
import { checkSyntax } from '../validation/syntax-check.js';
import { mergeOntoHead } from './merge.js';

/** The trailers let tools, tests and crash recovery map commits back to tasks. */
export function commitMessage(request: WorkRequest, summary: string, validation: TaskOutput['validation']): string {
  const title = `${request.taskId} (${request.role}): ${request.description}`.replace(/\s+/g, ' ').slice(0, 72);
  const checks = validation.passed ? 'passed' : `${validation.issues.length} issue(s)`;
  return `${title}\n\n${summary}\n\nJob: ${request.jobId}\nTask: ${request.taskId}\nAttempt: ${request.attempt}\nValidation: ${checks}\n`;
}

/**
 * The IntegrationEngine's step for one task: check the worker's files, commit
 * them to the job's repository, and report what the validation found. Running
 * it twice for one attempt (a restored actor re-runs it) yields one commit.
 */
export async function integrateWork(repo: string, request: WorkRequest, result: WorkResult): Promise<TaskOutput> {
  for (const file of result.files) assertSafeRelativePath(file.path);
  if (new Set(result.files.map((f) => f.path)).size !== result.files.length) {
    throw new ProtocolError('model_output_invalid', 'the worker returned the same file twice');
  }
  const validation = checkSyntax(result.files);
  const existing = await findCommitWithTrailers(repo, { Task: request.taskId, Attempt: String(request.attempt) });
  if (existing) {
    return { commit: existing, files: result.files.map((f) => f.path), summary: result.summary, tokens: result.tokens, validation, conflicts: [] };
  }
  const merged = await mergeOntoHead(repo, request.snapshot?.commit ?? null, result.files, request.taskId);
  const commit = await commitFiles(repo, merged.files, commitMessage(request, result.summary, validation));
  return {
    commit,
    files: result.files.map((f) => f.path),
    summary: result.summary,
    tokens: result.tokens,
    validation,
    conflicts: merged.conflicts,
  };
}
