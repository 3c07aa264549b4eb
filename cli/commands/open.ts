import { WebLoginLink } from '../../proto/index.js';
import { jsonOrThrow, send } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { daemonFor } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';
import { openInBrowser } from '../open-browser.js';

export const openCommand: Command = {
  name: 'open',
  summary: 'open the web view of your jobs in a browser',
  usage: `Usage: autodev open [--no-browser] [--json]

Opens the daemon's web view (job list, live task graph, acceptance table) in
your browser through a one-time login link: the link works once, for two
minutes, and is not the API token. The browser keeps an HttpOnly session
cookie until the daemon stops. Starts the daemon in the background when none
is running.

Options:
  --no-browser  print the link instead of opening it (also when no browser can be opened)
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, 'no-browser': { type: 'boolean' } },
  async run(ctx, values, positionals) {
    if (positionals.length > 0) throw new CliError('usage', 'open takes no arguments');
    const connection = await daemonFor(ctx);
    const res = await send(connection, connection.api.web['login-codes'], '$post');
    const link = await jsonOrThrow(res, WebLoginLink);
    const opened = values['no-browser'] === true ? false : await openInBrowser(link.url, ctx.env ?? {});
    if (ctx.json) ctx.out(JSON.stringify({ ...link, opened }));
    else if (opened) ctx.out('opened the web view in your browser');
    else ctx.out(`open this link in a browser on this machine (it works once, until ${link.expiresAt}):\n${link.url}`);
    return EXIT.ok;
  },
};
