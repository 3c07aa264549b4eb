import { z } from 'zod';

/**
 * Ids travel inside NATS subjects, so they must be a single subject token:
 * no dots, wildcards or whitespace.
 */
const SUBJECT_TOKEN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const JobId = z.string().regex(SUBJECT_TOKEN, 'must be a lowercase subject token (a-z, 0-9, _ and -)');
export type JobId = z.infer<typeof JobId>;

export const TaskId = z.string().regex(SUBJECT_TOKEN, 'must be a lowercase subject token (a-z, 0-9, _ and -)');
export type TaskId = z.infer<typeof TaskId>;

export const Timestamp = z.iso.datetime();

/** Sortable, collision-resistant job id: time in base 36, then randomness. */
export function newJobId(now: Date = new Date(), random: () => number = Math.random): JobId {
  const rand = Math.floor(random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `j${now.getTime().toString(36)}${rand}`;
}

export function taskIdForIndex(index: number): TaskId {
  return `t${index + 1}`;
}
