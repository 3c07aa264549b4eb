import { DEFAULT_RULES_BY_ROLE } from './rules.js';
import { JOB_RECORD_VERSION } from './job.js';
import { Role } from './task-role.js';

type RawRecord = { [key: string]: unknown };

const isObject = (value: unknown): value is RawRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Brings a job record of an older version up to this one before it is
 * validated, so a daemon upgraded mid-job resumes it instead of setting it
 * aside. Version 2 had prose validation rules, which nothing could run: its
 * tasks get their role's default executable rules, and it had no
 * integration phase yet. Records of every version then have their tasks
 * committed with a failed verdict read as `needs_fix` (see below). Anything
 * else is returned unchanged, for the schema to judge.
 */
export function migrateJobRecord(raw: unknown): unknown {
  if (!isObject(raw) || !Array.isArray(raw.tasks)) return raw;
  const current = raw.schemaVersion === 2 ? fromVersion2(raw, raw.tasks) : raw;
  return Array.isArray(current.tasks) ? { ...current, tasks: current.tasks.map(needsFixFromCompleted) } : current;
}

function fromVersion2(raw: RawRecord, rawTasks: readonly unknown[]): RawRecord {
  const tasks = rawTasks.map((task: unknown) => {
    if (!isObject(task)) return task;
    const role = Role.safeParse(task.type);
    const prose = Array.isArray(task.validationRules) && task.validationRules.every((r) => typeof r === 'string');
    return role.success && prose ? { ...task, validationRules: DEFAULT_RULES_BY_ROLE[role.data].map((r) => ({ ...r })) } : task;
  });
  return { ...raw, schemaVersion: JOB_RECORD_VERSION, tasks, acceptance: null };
}

/**
 * Daemons before `needs_fix` recorded a task whose work was committed with a
 * failed verdict (or merge conflicts) as `completed`, and gave it a follow-up
 * task. Such a task did not pass, so it is read as what it is. Only a passed
 * attempt is ever `completed` now, so this changes nothing in newer records.
 */
function needsFixFromCompleted(task: unknown): unknown {
  if (!isObject(task) || task.status !== 'completed' || !isObject(task.output)) return task;
  const { validation, conflicts } = task.output;
  if (!isObject(validation)) return task;
  const verdict = typeof validation.verdict === 'string' ? validation.verdict : validation.passed === true ? 'passed' : 'failed';
  const conflicted = Array.isArray(conflicts) && conflicts.length > 0;
  return verdict === 'passed' && !conflicted ? task : { ...task, status: 'needs_fix' };
}
