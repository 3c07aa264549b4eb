import type { JobRecord, Task } from '../../proto/index.js';
import { acceptanceNotes, cell } from './acceptance-notes.js';
import { requirementNotes } from './requirement-notes.js';

/** Rules shown per task: the failing ones explain the task, and a model's task may carry dozens. */
const MAX_RULES = 5;

/** Why one task did not complete: its last error, else the rules its last committed attempt failed. */
function taskReason(task: Task): string {
  const parts: string[] = [];
  if (task.lastError) parts.push(`${task.lastError.code}: ${task.lastError.message}`);
  const failed = (task.output?.validation.rules ?? []).filter((r) => r.status !== 'passed');
  for (const rule of failed.slice(0, MAX_RULES)) parts.push(`rule ${rule.rule} ${rule.status}: ${rule.detail}`);
  if (failed.length > MAX_RULES) parts.push(`${failed.length - MAX_RULES} more rule(s) not passed`);
  if (task.output?.conflicts.length) parts.push(`merge conflicts in ${task.output.conflicts.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : task.status === 'blocked' ? 'a task it depends on did not complete' : '';
}

/**
 * RESULT.md for a job that did not complete: why it ended, which tasks did
 * not complete and why, and what acceptance showed, with the reports that
 * travel beside it. A completed job's RESULT.md comes from the finalizer
 * (finalize-job.ts). Paths are relative to this file, which `autodev result`
 * writes into the export's artifacts folder.
 */
export function failureNotes(job: JobRecord, commit: string | null, artifacts: readonly string[]): string {
  const why = job.error ? `${job.error.code}: ${job.error.message}` : job.status === 'cancelled' ? 'cancelled' : 'no reason was recorded';
  const lines = [
    `# Result of job ${job.id}`,
    '',
    `**${job.status}**: ${cell(why, 1000)}`,
    '',
    commit
      ? `The export holds main at commit \`${commit}\`: the work committed before the job ${job.status === 'cancelled' ? 'was cancelled' : 'failed'}.`
      : 'The job ended before anything was committed: the export holds no application.',
    '',
  ];
  const open = job.tasks.filter((t) => t.status !== 'completed');
  if (open.length > 0) {
    lines.push('## Tasks that did not complete', '', '| task | role | status | attempts | why |', '| --- | --- | --- | --- | --- |');
    for (const t of open) lines.push(`| ${cell(t.id)} | ${t.type} | ${t.status} | ${t.attempts} | ${cell(taskReason(t), 600)} |`);
    lines.push('');
  } else if (job.tasks.length === 0) lines.push('No task was planned.', '');
  lines.push(acceptanceNotes(job.acceptance));
  lines.push(requirementNotes(job));
  lines.push('## Reports beside this file', '');
  const described: Array<[string, string]> = [
    ['status.json', 'the job as `autodev status JOB --json` showed it at export: every task, its verdict and rules'],
    ...artifacts.filter((p) => /^acceptance\/round-\d+\.json$/.test(p)).map((p): [string, string] => [p, "an acceptance round: every check's request, expected and actual answer"]),
    ...(artifacts.includes('acceptance/suite.json') ? [['acceptance/suite.json', 'the frozen checks: `autodev accept APP_DIR --suite artifacts/acceptance/suite.json` runs them again'] as [string, string]] : []),
  ];
  for (const [path, what] of described) lines.push(`- \`${path}\`: ${what}`);
  lines.push('');
  return lines.join('\n');
}
