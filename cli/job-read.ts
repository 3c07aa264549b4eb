import { JobView } from '../proto/index.js';
import { jsonOrThrow, send, type Connection } from './client.js';
import { EXIT } from './exit-codes.js';

/**
 * Reading one job's record: what `status JOB` needs, apart from following a
 * job (follow.ts), so that command loads none of the event schemas or the
 * watch store.
 */
export async function fetchJob(connection: Connection, jobId: string): Promise<JobView> {
  const res = await send(connection, connection.api.jobs[':id'], '$get', { param: { id: jobId } });
  return jsonOrThrow(res, JobView);
}

/** Only a record that says `completed` is a success; a job still running is not one. */
export function exitCodeForJob(view: JobView): number {
  return view.status === 'completed' ? EXIT.ok : EXIT.jobFailed;
}
