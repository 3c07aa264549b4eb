import { CorruptJobView, JobView, isTerminalJobStatus } from '../../proto/index.js';
import { z } from 'zod';
import { call, jsonOrThrow, requireDaemon } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';
import { exitCodeForJob, fetchJob } from '../follow.js';
import { safeText } from '../safe-text.js';
import { renderCorruptJob, renderJobLine, renderJobView } from '../render.js';

// `corrupt` is optional: older daemons do not send it.
const JobList = z.object({ jobs: z.array(JobView), corrupt: z.array(CorruptJobView).optional() });

function formatTokens(tokens: number | undefined): string {
  if (tokens === undefined) return '-';
  return tokens >= 10_000 ? `${(tokens / 1000).toFixed(1)}k tok` : `${tokens} tok`;
}

/** Tokens per task and for the job, and dollars where an API model with prices did the work. */
function usageLine(view: JobView): string {
  const perTask = view.tasks
    .filter((t) => (t.tokensUsed ?? 0) > 0)
    .map((t) => `${safeText(t.id)} ${formatTokens(t.tokensUsed)}${t.costUsd ? ` $${t.costUsd.toFixed(4)}` : ''}`);
  const cost = view.costUsd ? `, $${view.costUsd.toFixed(4)}` : '';
  return `usage: ${formatTokens(view.tokensUsed)}${cost}${perTask.length > 0 ? ` (${perTask.join(', ')})` : ''}`;
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show one job, or list every job',
  usage: `Usage: autodev status [JOB] [--json]

With JOB, exits 1 if that job failed or was cancelled.

Options:
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS },
  async run(ctx, _values, positionals) {
    if (positionals.length > 1) throw new CliError('usage', 'status takes at most one JOB argument');
    const connection = await requireDaemon(ctx.home);
    const jobId = positionals[0];
    if (jobId) {
      const view = await fetchJob(connection, jobId);
      if (ctx.json) ctx.out(JSON.stringify(view));
      else {
        for (const line of renderJobView(view)) ctx.out(line);
        ctx.out(usageLine(view));
      }
      return isTerminalJobStatus(view.status) ? exitCodeForJob(view) : EXIT.ok;
    }
    const res = await call(connection, () => connection.api.jobs.$get());
    const { jobs, corrupt = [] } = await jsonOrThrow(res, JobList);
    if (ctx.json) ctx.out(JSON.stringify({ jobs, corrupt }));
    else if (jobs.length === 0 && corrupt.length === 0) ctx.out('no jobs yet; submit one with: autodev submit "PROMPT"');
    else {
      for (const job of jobs) ctx.out(renderJobLine(job, formatTokens(job.tokensUsed)));
      for (const job of corrupt) for (const line of renderCorruptJob(job)) ctx.out(line);
    }
    return EXIT.ok;
  },
};
