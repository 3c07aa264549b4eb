import { CorruptJobView, JobView, isTerminalJobStatus } from '../../proto/index.js';
import { z } from 'zod';
import { jsonOrThrow, send } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { readFromDaemon } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';
import { exitCodeForJob, fetchJob } from '../job-read.js';
import { renderCorruptJob, renderJobLine, renderJobView } from '../render.js';
import { formatTokens, timeLine, usageLine } from '../render-usage.js';

// `corrupt` is optional: older daemons do not send it.
const JobList = z.object({ jobs: z.array(JobView), corrupt: z.array(CorruptJobView).optional() });

export const statusCommand: Command = {
  name: 'status',
  summary: 'show one job, or list every job',
  usage: `Usage: autodev status [JOB] [--json]

With JOB, exits 1 if that job failed or was cancelled. Starts the daemon in
the background when none is running, as every command that needs it does.

Options:
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS },
  async run(ctx, _values, positionals) {
    if (positionals.length > 1) throw new CliError('usage', 'status takes at most one JOB argument');
    const jobId = positionals[0];
    if (jobId) {
      const view = await readFromDaemon(ctx, (connection) => fetchJob(connection, jobId));
      if (ctx.json) ctx.out(JSON.stringify(view));
      else {
        for (const line of renderJobView(view)) ctx.out(line);
        ctx.out(usageLine(view));
        const time = timeLine(view);
        if (time) ctx.out(time);
      }
      return isTerminalJobStatus(view.status) ? exitCodeForJob(view) : EXIT.ok;
    }
    const { jobs, corrupt = [] } = await readFromDaemon(ctx, async (connection) => jsonOrThrow(await send(connection, connection.api.jobs, '$get'), JobList));
    if (ctx.json) ctx.out(JSON.stringify({ jobs, corrupt }));
    else if (jobs.length === 0 && corrupt.length === 0) ctx.out('no jobs yet; submit one with: autodev submit "PROMPT"');
    else {
      for (const job of jobs) ctx.out(renderJobLine(job, formatTokens(job.tokensUsed)));
      for (const job of corrupt) for (const line of renderCorruptJob(job)) ctx.out(line);
    }
    return EXIT.ok;
  },
};
