import type { CorruptJobView, JobView } from '../proto/job.js';
import type { JobEvent } from '../proto/events.js';
import type { SubmitJobBody } from '../proto/api.js';
import type { WireError } from '../proto/errors.js';
import type { TaskDiff } from '../proto/task-diff.js';
import type { AcceptanceRoundApp } from '../proto/acceptance-app-log.js';

/**
 * The page's only way to the daemon: the API's own routes, on the page's
 * origin, with the session cookie the browser adds. Types are proto/'s; the
 * daemon built every answer from those schemas, and the page trusts it as
 * the CLI does (a response is data to show, never code or markup).
 */
export interface JobList {
  jobs: JobView[];
  corrupt: CorruptJobView[];
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function send<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (json as { error?: WireError } | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'internal', error?.message ?? `the daemon answered HTTP ${res.status}`);
  }
  return json as T;
}

export const api = {
  listJobs: () => send<JobList>('GET', '/jobs'),
  getJob: (id: string) => send<JobView>('GET', `/jobs/${encodeURIComponent(id)}`),
  submitJob: (body: SubmitJobBody) => send<JobView>('POST', '/jobs', body),
  getTaskDiff: (id: string, taskId: string) => send<TaskDiff>('GET', `/jobs/${encodeURIComponent(id)}/tasks/${encodeURIComponent(taskId)}/diff`),
  getRoundApp: (id: string, round: number) => send<AcceptanceRoundApp>('GET', `/jobs/${encodeURIComponent(id)}/acceptance/rounds/${round}/app`),
  cancelJob: (id: string) => send<JobView>('POST', `/jobs/${encodeURIComponent(id)}/cancel`, { reason: 'cancelled from the web view' }),
};

/**
 * A job's events (GET /jobs/:id/events, SSE), read with fetch rather than
 * EventSource, which reconnects on its own and would replay the job from its
 * first event after the stream ends. Ends when the daemon closes the stream
 * (the job is over) or `signal` aborts.
 */
export async function readEvents(id: string, signal: AbortSignal, onEvent: (event: JobEvent) => void): Promise<void> {
  const res = await fetch(`/jobs/${encodeURIComponent(id)}/events`, { credentials: 'same-origin', signal });
  if (!res.ok || !res.body) throw new ApiError(res.status, 'internal', `the event stream answered HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) onEvent(JSON.parse(data) as JobEvent);
    }
  }
}
