import { JobView, isTerminalJobStatus, type JobEvent } from '../proto/index.js';
import { call, jsonOrThrow, type Connection } from './client.js';
import type { CommandContext } from './command.js';
import { EXIT } from './errors.js';
import { printable, renderTree } from './render.js';
import { createWatchStore, initialWatchState, type WatchState } from './watch-store.js';
import { readJobEvents } from './sse.js';

export async function fetchJob(connection: Connection, jobId: string): Promise<JobView> {
  const res = await call(connection, () => connection.api.jobs[':id'].$get({ param: { id: jobId } }));
  return jsonOrThrow(res, JobView);
}

function describeEvent(event: JobEvent): string {
  const subject = 'taskId' in event ? `${event.taskId} ` : '';
  const detail =
    event.type === 'task.failed' || event.type === 'job.failed'
      ? `: ${event.error.message}`
      : event.type === 'task.progress'
        ? `: ${event.phase}, ${event.tokens} tokens`
        : event.type === 'job.integrating'
          ? `: round ${event.round} of ${event.maxRounds}`
          : event.type === 'acceptance.check'
            ? `: ${event.result.status} ${event.result.id}${event.result.actual.problem && event.result.status !== 'passed' ? `: ${event.result.actual.problem.slice(0, 120)}` : ''}`
            : event.type === 'job.accepted'
              ? `: ${event.passed} of ${event.total} checks passed in round ${event.round}`
              : '';
  return printable(`${event.at} ${subject}${event.type}${detail}`);
}

/** Redraws the task tree in place on a terminal; prints one line per event otherwise. */
function liveRenderer(ctx: CommandContext) {
  let drawn = 0;
  return (state: WatchState, event: JobEvent) => {
    if (!ctx.interactive) {
      ctx.out(describeEvent(event));
      return;
    }
    const lines = renderTree(state);
    ctx.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[0J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
}

/**
 * Follows a job's events until it ends, then returns its final view. The event
 * stream replays from the job's start, so joining late still shows every task.
 */
export async function followJob(ctx: CommandContext, connection: Connection, jobId: string, live: boolean): Promise<JobView> {
  const render = live ? liveRenderer(ctx) : null;
  const store = createWatchStore(initialWatchState(jobId));
  const res = await call(connection, () => connection.api.jobs[':id'].events.$get({ param: { id: jobId } }));
  if (!res.ok || !res.body) return jsonOrThrow(res, JobView);
  try {
    for await (const event of readJobEvents(res.body)) {
      store.send(event);
      const state = store.getSnapshot().context;
      render?.(state, event);
      if (isTerminalJobStatus(state.status)) break;
    }
  } catch {
    // The stream broke (daemon restart?); the final fetch below says where the job stands.
  }
  return fetchJob(connection, jobId);
}

export function exitCodeForJob(view: JobView): number {
  return view.status === 'failed' || view.status === 'cancelled' ? EXIT.jobFailed : EXIT.ok;
}
