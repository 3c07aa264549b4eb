import { JobView, isTerminalJobStatus } from '../../proto/index.js';
import { z } from 'zod';
import { call, jsonOrThrow, requireDaemon } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';
import { exitCodeForJob, fetchJob } from '../follow.js';
import { renderJobView } from '../render.js';

const JobList = z.object({ jobs: z.array(JobView) });

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
      else for (const line of renderJobView(view)) ctx.out(line);
      return isTerminalJobStatus(view.status) ? exitCodeForJob(view) : EXIT.ok;
    }
    const res = await call(connection, () => connection.api.jobs.$get());
    const { jobs } = await jsonOrThrow(res, JobList);
    if (ctx.json) ctx.out(JSON.stringify({ jobs }));
    else if (jobs.length === 0) ctx.out('no jobs yet; submit one with: autodev submit "PROMPT"');
    else for (const job of jobs) ctx.out(`${job.jobId}  ${job.status.padEnd(9)}  ${job.createdAt}  ${job.prompt.slice(0, 60)}`);
    return EXIT.ok;
  },
};
