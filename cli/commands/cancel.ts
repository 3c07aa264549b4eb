import { JobView } from '../../proto/index.js';
import { jsonOrThrow, send } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { daemonFor } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'cancel a running job',
  usage: `Usage: autodev cancel JOB [--reason TEXT] [--json]

Starts the daemon in the background when none is running.

Options:
  --reason TEXT  recorded in the job.cancelled event
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, reason: { type: 'string' } },
  async run(ctx, values, positionals) {
    const jobId = positionals[0];
    if (positionals.length !== 1 || !jobId) throw new CliError('usage', 'cancel takes exactly one JOB argument');
    const connection = await daemonFor(ctx);
    const reason = typeof values.reason === 'string' ? values.reason : undefined;
    const res = await send(connection, connection.api.jobs[':id'].cancel, '$post', { param: { id: jobId }, json: reason === undefined ? {} : { reason } });
    const view = await jsonOrThrow(res, JobView);
    if (ctx.json) ctx.out(JSON.stringify(view));
    else ctx.out(`job ${view.jobId}: ${view.status}`);
    return EXIT.ok;
  },
};
