import {
  ROLES,
  jetStreamApi,
  objectStreamName,
  snapshotBucketName,
  workConsumerName,
  workStreamName,
  type Subjects,
} from '../proto/index.js';
import type { NatsRole } from '../proto/nats-credentials.js';

/** One role's allow lists; whatever is not listed is refused by nats-server. */
export interface RolePermissions {
  publish: string[];
  subscribe: string[];
  inboxPrefix: string | null;
}

/**
 * What a remote worker needs, measured by running one under exactly this
 * list (test/nats-permissions.test.ts fails on any permission violation in
 * the server's log):
 * - the work queue: look up its role's durable consumer, pull from it, and
 *   ack/nak/keep alive what it pulled. It never manages streams or consumers:
 *   the daemon creates them.
 * - snapshots: message reads of the object-store stream, which are read-only.
 *   Not an ordered consumer: creating a consumer lets its creator pick the
 *   subject the server delivers to, a subject the creator may not publish on.
 * - replies, heartbeats, progress (relayed by the daemon, see
 *   actors/bus/progress-relay.ts), and cancel commands to listen to.
 * It may not publish job events nor subscribe to anything but its own inbox
 * and cancels: not to replies, not to events, not to `_INBOX.>`.
 *
 * What is left: nats-server 2.9 does not check a request's reply subject, so
 * a worker can have a work request delivered onto a subject it may not
 * publish on. It arrives there under its own `autodev.work…` subject with the
 * daemon's payload: no event filter matches it and no event schema parses it.
 */
function workerPermissions(subjects: Subjects): RolePermissions {
  const work = workStreamName(subjects.prefix);
  const snapshots = objectStreamName(snapshotBucketName(subjects.prefix));
  const inboxPrefix = subjects.inbox('worker');
  return {
    publish: [
      subjects.anyWorkReply,
      subjects.heartbeat,
      subjects.anyProgress,
      ...ROLES.flatMap((role) => [jetStreamApi.consumerInfo(work, workConsumerName(role)), jetStreamApi.consumerNext(work, workConsumerName(role))]),
      jetStreamApi.acks(work),
      jetStreamApi.messageGet(snapshots),
    ],
    subscribe: [subjects.cancelAnyJob, subjects.inboxAll('worker')],
    inboxPrefix,
  };
}

/**
 * Observers only listen: core subscriptions to the job events, live. No
 * JetStream at all, not even reads: every JetStream read is a request (a
 * publish), and replaying through a consumer means creating one, which lets
 * the creator choose where the server delivers. A tool that needs a job's
 * history asks the API (`GET /jobs/:id/events`) with the token.
 */
function observerPermissions(subjects: Subjects): RolePermissions {
  return { publish: [], subscribe: [subjects.allJobEvents], inboxPrefix: null };
}

export function rolePermissions(role: NatsRole, subjects: Subjects): RolePermissions {
  return role === 'worker' ? workerPermissions(subjects) : observerPermissions(subjects);
}
