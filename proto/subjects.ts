import type { JobId, TaskId } from './ids.js';
import type { Role } from './task.js';
import { isTaskEvent, type JobEvent } from './events.js';

export const DEFAULT_SUBJECT_PREFIX = 'autodev';

const PREFIX_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * Every NATS subject the system uses is built here, so a deployment can move
 * the whole tree under another prefix and nothing else writes a subject by hand.
 */
export function createSubjects(prefix: string = DEFAULT_SUBJECT_PREFIX) {
  if (!PREFIX_RE.test(prefix)) throw new TypeError(`invalid subject prefix "${prefix}": use dot-separated tokens`);
  const job = (jobId: JobId) => `${prefix}.job.${jobId}`;
  const task = (jobId: JobId, taskId: TaskId) => `${job(jobId)}.task.${taskId}`;
  return {
    prefix,
    /** Wildcard of every job event; the JetStream stream captures exactly this. */
    allJobEvents: `${prefix}.job.>`,
    job: {
      all: (jobId: JobId) => `${job(jobId)}.>`,
      event: (jobId: JobId, name: string) => `${job(jobId)}.${name}`,
      /** One job-level event of every job, such as `completed`: a single-token wildcard over the job id. */
      eventOfAnyJob: (name: string) => `${prefix}.job.*.${name}`,
    },
    task: {
      event: (jobId: JobId, taskId: TaskId, name: string) => `${task(jobId, taskId)}.${name}`,
    },
    /** Work requests, kept in the work-queue stream until a worker acks them; workers filter by role. */
    work: (role: Role, jobId: JobId, taskId: TaskId) => `${prefix}.work.${role}.${jobId}.${taskId}`,
    workForRole: (role: Role) => `${prefix}.work.${role}.>`,
    workForJob: (jobId: JobId) => `${prefix}.work.*.${jobId}.>`,
    allWork: `${prefix}.work.>`,
    /** Where the worker sends the result of one attempt; the Master listens there. */
    workReply: (jobId: JobId, taskId: TaskId, attempt: number) => `${prefix}.reply.${jobId}.${taskId}.${attempt}`,
    anyWorkReply: `${prefix}.reply.*.*.*`,
    /** Every worker announces itself here while it runs. */
    heartbeat: `${prefix}.worker.heartbeat`,
    /** Commands are not events: they stay out of the event stream. */
    cancelJob: (jobId: JobId) => `${prefix}.cmd.job.${jobId}.cancel`,
    cancelAnyJob: `${prefix}.cmd.job.*.cancel`,
    /** Delayed or recurring triggers scheduled through the time MCP server fire here (core NATS, not stored). */
    trigger: (jobId: JobId, triggerId: string) => `${prefix}.trigger.${jobId}.${triggerId}`,
    /**
     * Where a worker reports a task's progress. Workers may not publish job
     * events (a worker could forge `completed`), so the daemon checks these and
     * republishes them as `task.progress` events.
     */
    progress: (jobId: JobId, taskId: TaskId) => `${prefix}.progress.${jobId}.${taskId}`,
    anyProgress: `${prefix}.progress.*.*`,
    /**
     * The inbox prefix a restricted NATS user's replies arrive under (nats.js
     * `inboxPrefix`): its permissions allow subscribing there, never to `_INBOX.>`,
     * where the daemon's own replies go.
     */
    inbox: (user: string) => `${prefix}.inbox.${user}`,
    inboxAll: (user: string) => `${prefix}.inbox.${user}.>`,
  };
}
export type Subjects = ReturnType<typeof createSubjects>;

/**
 * The subject an event is published on; its tail mirrors the event's type:
 * `job.completed` on `<prefix>.job.<id>.completed`, `task.failed` on
 * `….task.<taskId>.failed`, and a job-level event of another family, such as
 * `acceptance.check`, keeps its whole type: `<prefix>.job.<id>.acceptance.check`.
 */
export function subjectForEvent(subjects: Subjects, event: JobEvent): string {
  const [family, name] = event.type.split('.') as [string, string];
  if (isTaskEvent(event)) return subjects.task.event(event.jobId, event.taskId, name);
  return subjects.job.event(event.jobId, family === 'job' ? name : event.type);
}

/** The JetStream stream that keeps job events for late subscribers. */
export function eventStreamName(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}_EVENTS`;
}

/** The JetStream work-queue stream: each request is delivered until one worker acks it. */
export function workStreamName(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}_WORK`;
}

/** The object-store bucket holding repository snapshots for workers in other processes. */
export function snapshotBucketName(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-repos`;
}

/** The durable pull consumer that the workers of one role share on the work-queue stream. */
export function workConsumerName(role: Role): string {
  return `workers-${role}`;
}

/** A repository snapshot's name in the object store: one per job and commit, so tasks dispatched between two commits share it. */
export function snapshotName(jobId: string, commit: string): string {
  return `${jobId}.${commit}`;
}

/** The stream behind an object-store bucket, as nats.js names it. */
export function objectStreamName(bucket: string): string {
  return `OBJ_${bucket}`;
}

/** Where an object store keeps an object's metadata: nats.js names it by the padded base64url of the name. */
export function objectMetaSubject(bucket: string, name: string): string {
  const encoded = Buffer.from(name, 'utf8').toString('base64url');
  return `$O.${bucket}.M.${encoded}${'='.repeat((4 - (encoded.length % 4)) % 4)}`;
}

/** Where an object store keeps the chunks of the object whose metadata names `nuid`. */
export function objectChunkSubject(bucket: string, nuid: string): string {
  return `$O.${bucket}.C.${nuid}`;
}

/**
 * JetStream API subjects, for NATS permissions (a role may send only those
 * listed for it) and the few requests autodev sends without nats.js's help.
 */
export const jetStreamApi = {
  consumerInfo: (stream: string, consumer: string) => `$JS.API.CONSUMER.INFO.${stream}.${consumer}`,
  /** A pull request for the next message of a durable consumer. */
  consumerNext: (stream: string, consumer: string) => `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
  /** Acks, naks and in-progress notes of any consumer on `stream`. */
  acks: (stream: string) => `$JS.ACK.${stream}.>`,
  /** Reads one stored message (by sequence, or the first or last on a subject): read-only. */
  messageGet: (stream: string) => `$JS.API.STREAM.MSG.GET.${stream}`,
};
