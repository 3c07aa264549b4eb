import { dirname, join } from 'node:path';
import { isCommittedStatus, parseTrailers, type JobRecord, type Task, type TaskOutput } from '../../proto/index.js';
import { resetInFlight } from '../../machines/scheduler.js';
import { changedFiles, commitMessages } from '../git/repo.js';
import { attemptRecordsIn } from '../integration/attempt-records.js';

/**
 * Brings a record left by a crashed daemon in line with its repository. A
 * task whose in-flight attempt already has its commit is recorded as done
 * (the crash fell between the commit and the save), so it is not run, or
 * committed, again; every other in-flight task goes back to pending. The
 * integration engine saved the attempt's full output before main moved, so
 * that output is what the task gets, not a reading of the commit's trailer.
 */
export async function reconcileWithRepo(job: JobRecord): Promise<JobRecord> {
  if (job.status === 'integrating') return reconcileIntegrating(job);
  const inFlight = job.tasks.filter((t) => t.status === 'running');
  if (inFlight.length === 0) return { ...job, tasks: resetInFlight(job.tasks) };
  const commits = await commitMessages(job.repo).catch(() => []);
  const records = attemptRecordsIn(join(dirname(job.repo), 'integration'));
  const recovered = new Map<string, Task>();
  for (const task of inFlight) {
    const found = commits.find(({ message }) => {
      const t = parseTrailers(message);
      return t.Task === task.id && t.Attempt === String(task.attempts);
    });
    if (!found) continue;
    const recorded = await records.read(task.id, task.attempts);
    const output: TaskOutput | null =
      recorded && recorded.commit === found.oid
        ? recorded
        : parseTrailers(found.message).Validation === 'passed'
          ? // A repository integrated before attempt records existed.
            { commit: found.oid, files: await changedFiles(job.repo, found.oid), summary: found.message.split('\n\n')[1]?.trim() ?? '', tokens: 0, validation: { passed: true, issues: [] }, conflicts: [] }
          : null;
    // Only a passed attempt is recovered: a failed one goes back to the queue and its fix is planned again.
    // A report with a verdict is read by it: `passed` alone does not say the rules ran.
    const verdict = output?.validation.verdict ?? (output?.validation.passed ? 'passed' : 'failed');
    if (!output || verdict !== 'passed' || output.conflicts.length > 0) continue;
    // The attempt's own count replaces its progress reports: counted once, as the Master would have on success.
    const spent = { tokensUsed: task.tokensUsed + Math.max(output.tokens, task.inFlightTokens ?? 0), inFlightTokens: 0 };
    const cost = output.costUsd !== undefined ? { costUsd: (task.costUsd ?? 0) + output.costUsd } : {};
    recovered.set(task.id, { ...task, ...spent, ...cost, status: 'completed', lastError: null, output });
  }
  return { ...job, tasks: resetInFlight(job.tasks.map((t) => recovered.get(t.id) ?? t)) };
}

/**
 * A job found integrating has nothing in flight: the Master resumes its round
 * under the same number, exporting main afresh. Should a task not be done (a
 * record from a daemon with a bug), the job goes back to running, so the
 * round starts only once every task is.
 */
function reconcileIntegrating(job: JobRecord): JobRecord {
  if (job.tasks.every((t) => isCommittedStatus(t.status))) return job;
  return { ...job, status: 'running', tasks: resetInFlight(job.tasks) };
}

