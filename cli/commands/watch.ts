import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { daemonFor } from '../daemon-process.js';
import { CliError } from '../errors.js';
import { followJob } from '../follow.js';
import { exitCodeForJob } from '../job-read.js';
import { renderJobView } from '../render.js';

export const watchCommand: Command = {
  name: 'watch',
  summary: 'follow a job live as a task tree',
  usage: `Usage: autodev watch JOB [--json]

Replays the job from its start, then follows it until its record says it
ended: an event alone (which anyone allowed to publish could forge) only
makes watch read the record again. Exits 0 if the job completed, 1 if not.
With --json, prints only the final job object. Starts the daemon in the
background when none is running (it resumes the job).

Options:
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS },
  async run(ctx, _values, positionals) {
    const jobId = positionals[0];
    if (positionals.length !== 1 || !jobId) throw new CliError('usage', 'watch takes exactly one JOB argument');
    const connection = await daemonFor(ctx);
    const final = await followJob(ctx, connection, jobId, !ctx.json);
    if (ctx.json) ctx.out(JSON.stringify(final));
    else for (const line of renderJobView(final)) ctx.out(line);
    return exitCodeForJob(final);
  },
};
