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
 * integration phase yet. Anything else is returned unchanged, for the schema
 * to judge.
 */
export function migrateJobRecord(raw: unknown): unknown {
  if (!isObject(raw) || raw.schemaVersion !== 2 || !Array.isArray(raw.tasks)) return raw;
  const tasks = raw.tasks.map((task: unknown) => {
    if (!isObject(task)) return task;
    const role = Role.safeParse(task.type);
    const prose = Array.isArray(task.validationRules) && task.validationRules.every((r) => typeof r === 'string');
    return role.success && prose ? { ...task, validationRules: DEFAULT_RULES_BY_ROLE[role.data].map((r) => ({ ...r })) } : task;
  });
  return { ...raw, schemaVersion: JOB_RECORD_VERSION, tasks, acceptance: null };
}
