import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { JobId, MCP_SERVER_NAMES, McpCatalogAnswer, McpServerName } from '../../proto/index.js';
import { connectToDaemon, jsonOrThrow, send, type Connection } from '../client.js';
import { ensureDaemon, healthy } from '../daemon-process.js';
import { bridgeStdioToHttp } from '../stdio-http-bridge.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'list the MCP tool servers, or serve one over stdio',
  usage: `Usage: autodev mcp list [--json]
       autodev mcp serve NAME --job JOB

list   shows each server and its tools (asking the daemon, starting one if none runs).
serve  speaks MCP on stdin/stdout for Claude Desktop, editors or the MCP
       Inspector. It relays to the daemon (starting one if none runs), whose
       tools work on job JOB's outside clone (<home>/jobs/JOB/outside), never
       on the job's own repository. Messages go to stderr.
       Servers: ${MCP_SERVER_NAMES.join(', ')}.
       Over HTTP the same servers are at /mcp/NAME?job=JOB on the daemon's API,
       with the API token.

Options:
  --job JOB    the job whose workspace, database and memory the tools use
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, job: { type: 'string' } },
  async run(ctx, values, positionals) {
    const [action, name, ...extra] = positionals;
    const jobsDir = join(ctx.home, 'jobs');
    if (action === 'list' && !name) {
      const connection = await daemonFor(ctx.home, (message) => {
        if (!ctx.json) ctx.err(`autodev mcp: ${message}`);
      });
      const { servers: catalog } = await jsonOrThrow(await send(connection, connection.api.mcp, '$get'), McpCatalogAnswer);
      if (ctx.json) ctx.out(JSON.stringify({ servers: catalog }));
      else
        for (const entry of catalog) {
          ctx.out(`${entry.server}`);
          for (const tool of entry.tools) ctx.out(`  ${tool.name.padEnd(22)} ${tool.description}`);
        }
      return EXIT.ok;
    }
    if (action === 'serve' && name && extra.length === 0) {
      const server = McpServerName.safeParse(name);
      if (!server.success) throw new CliError('usage', `no MCP server "${name}"; choose one of ${MCP_SERVER_NAMES.join(', ')}`);
      const job = JobId.safeParse(values.job);
      if (!job.success) throw new CliError('usage', 'serve needs --job JOB (a lowercase job id, as autodev status lists them)');
      // Checked here too (the daemon answers 404 as well): a mistyped id should not start a daemon.
      if (!(await jobRecordExists(jobsDir, job.data))) throw new CliError('usage', `no job "${job.data}" in ${jobsDir}; name an existing job (autodev status lists them)`);
      // stdout carries the protocol: every message for the user goes to stderr.
      const warn = (message: string) => process.stderr.write(`autodev mcp: ${message}\n`);
      const connection = await daemonFor(ctx.home, warn);
      // The one command still on Node's fetch (the MCP SDK's HTTP transport). fetch parses HTTP with a
      // WebAssembly module that V8 optimises on background threads, which exit then waits for (about
      // 70 ms); a relay's few messages gain nothing from optimised code. Set before the first fetch.
      (await import('node:v8')).setFlagsFromString('--liftoff-only');
      const url = new URL(`/mcp/${server.data}`, connection.info.apiUrl);
      url.searchParams.set('job', job.data);
      await bridgeStdioToHttp({ url, token: connection.token, stdin: process.stdin, stdout: process.stdout, warn });
      return EXIT.ok;
    }
    throw new CliError('usage', 'use: autodev mcp list, or autodev mcp serve NAME --job JOB');
  },
};

/**
 * The home's running daemon, started if none answers. Several `serve`
 * processes may start at once (an editor opening its servers); when this
 * one's daemon loses the race, the one that won is used.
 */
async function daemonFor(home: string, warn: (message: string) => void): Promise<Connection> {
  try {
    return (await ensureDaemon({ home, onWaiting: () => warn('starting autodevd…') })).connection;
  } catch (error) {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const connection = await connectToDaemon(home).catch(() => null);
      if (connection && (await healthy(connection))) return connection;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw error;
  }
}

/**
 * Whether the home holds job JOB (its jobs/JOB/job.json, not followed if a
 * link). Only a pre-check to spare starting a daemon for a typo: the daemon
 * checks again and answers 404 for a job it does not have.
 */
async function jobRecordExists(jobsDir: string, jobId: JobId): Promise<boolean> {
  const record = await lstat(join(jobsDir, jobId, 'job.json')).catch(() => null);
  return record?.isFile() ?? false;
}
