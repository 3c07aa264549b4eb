import { JobView, isTerminalJobEvent, isTerminalJobStatus, type JobEvent, type StageResult } from '../proto/index.js';
import { jsonOrThrow, send, type Connection } from './client.js';
import type { CommandContext } from './command.js';
import { fetchJob } from './job-read.js';
import { printable, renderTree } from './render.js';
import { createWatchStore, initialWatchState, type WatchState } from './watch-store.js';
import { readJobEvents } from './sse.js';

export function describeEvent(event: JobEvent): string {
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
              : event.type === 'validation.stage'
                ? `: ${stageLine(event.result)} (attempt ${event.attempt})`
                : event.type === 'task.committed'
                  ? `: attempt ${event.attempt} committed ${event.output.commit.slice(0, 8)} with verdict ${event.verdict}${event.conflicts.length > 0 ? ` and ${event.conflicts.length} conflicted file(s)` : ''}; a fix task follows`
                  : '';
  return printable(`${event.at} ${subject}${event.type}${detail}`);
}

/** A stage's name and outcome, then why (a failure or an unverified stage) or what it found: the line a log reader needs. */
function stageLine(result: StageResult): string {
  const why = result.status === 'passed' ? result.summary : (result.reason ?? result.summary);
  return `${result.stage} ${result.status}${why ? `: ${why.slice(0, 160)}` : ''}`;
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

export interface FollowOptions {
  /** How long to wait before reading the record again when the event stream ended early. */
  recheckMs?: number;
}

/**
 * Follows a job until its record says it ended, drawing its events
 * meanwhile, and returns the final view. Events are untrusted: whoever may
 * publish on the bus can forge a `job.completed`, so a terminal event only
 * makes the watcher re-read the job through the API, and the record alone
 * says whether it ended. A stream that ends or breaks first (a daemon
 * restart) is opened again; it replays from the job's start, so the events
 * already shown are skipped.
 */
export async function followJob(ctx: CommandContext, connection: Connection, jobId: string, live: boolean, options: FollowOptions = {}): Promise<JobView> {
  const render = live ? liveRenderer(ctx) : null;
  const store = createWatchStore(initialWatchState(jobId));
  let shown = 0;
  for (;;) {
    const res = await send(connection, connection.api.jobs[':id'].events, '$get', { param: { id: jobId } });
    if (!res.ok) return jsonOrThrow(res, JobView);
    let seen = 0;
    try {
      for await (const event of readJobEvents(res.body)) {
        if (++seen <= shown) continue;
        shown = seen;
        store.send(event);
        render?.(store.getSnapshot().context, event);
        if (!isTerminalJobEvent(event)) continue;
        const view = await fetchJob(connection, jobId);
        if (isTerminalJobStatus(view.status)) return view;
        store.send({ type: 'record.read', status: view.status });
        if (!ctx.json) ctx.err(`note: got ${event.type} for ${jobId}, but its record says ${view.status}; still waiting`);
      }
    } catch {
      // The stream broke (daemon restart?); the record says where the job stands.
    }
    const view = await fetchJob(connection, jobId);
    if (isTerminalJobStatus(view.status)) return view;
    store.send({ type: 'record.read', status: view.status });
    await new Promise((resolve) => setTimeout(resolve, options.recheckMs ?? 1000));
  }
}
