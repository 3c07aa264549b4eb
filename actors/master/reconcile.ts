import type { JobRecord, Task } from '../../proto/index.js';
import { resetInFlight } from '../../machines/scheduler.js';
import { changedFiles, commitMessages, trailersOf } from '../git/repo.js';

/**
 * Brings a record left by a crashed daemon in line with its repository. A
 * task whose in-flight attempt already has its commit is recorded as done
 * (the crash fell between the commit and the save), so it is not run, or
 * committed, again; every other in-flight task goes back to pending.
 */
export async function reconcileWithRepo(job: JobRecord): Promise<JobRecord> {
  const inFlight = job.tasks.filter((t) => t.status === 'running');
  if (inFlight.length === 0) return { ...job, tasks: resetInFlight(job.tasks) };
  const commits = await commitMessages(job.repo).catch(() => []);
  const recovered = new Map<string, Task>();
  for (const task of inFlight) {
    const found = commits.find(({ message }) => {
      const t = trailersOf(message);
      return t.Task === task.id && t.Attempt === String(task.attempts) && t.Validation === 'passed';
    });
    if (!found) continue;
    const summary = found.message.split('\n\n')[1]?.trim() ?? '';
    recovered.set(task.id, {
      ...task,
      status: 'completed',
      lastError: null,
      output: {
        commit: found.oid,
        files: await changedFiles(job.repo, found.oid),
        summary,
        tokens: 0,
        validation: { passed: true, issues: [] },
        conflicts: [],
      },
    });
  }
  return { ...job, tasks: resetInFlight(job.tasks.map((t) => recovered.get(t.id) ?? t)) };
}
