import { join } from 'node:path';
import { createLogger } from '../../actors/log/logger.js';
import { listCatalog } from '../../actors/mcp/catalog.js';
import { MCP_SERVER_NAMES, McpServerName } from '../../actors/mcp/registry.js';
import { loadConfig } from '../../daemon/config.js';
import { createMcpHost, jobExists } from '../../daemon/mcp/host.js';
import { serveStdio } from '../../daemon/mcp/stdio.js';
import { JobId } from '../../proto/index.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'list the MCP tool servers, or serve one over stdio',
  usage: `Usage: autodev mcp list [--json]
       autodev mcp serve NAME --job JOB

list   shows each server and its tools.
serve  speaks MCP on stdin/stdout for Claude Desktop, editors or the MCP
       Inspector, working on job JOB's workspace (<home>/jobs/JOB/repo).
       Logs go to stderr. Servers: ${MCP_SERVER_NAMES.join(', ')}.
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
      const config = await loadConfig(ctx.home, process.env, {});
      const log = createLogger({ level: 'error' });
      const host = createMcpHost({ jobsDir, settings: config.mcp, log });
      const catalog = await listCatalog(host.catalogContext());
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
      // Before anything is opened: a mistyped id must not leave a repository or a database behind.
      if (!(await jobExists(jobsDir, job.data))) throw new CliError('usage', `no job "${job.data}" in ${jobsDir}; name an existing job (autodev status lists them)`);
      const config = await loadConfig(ctx.home, process.env, {});
      // stdout carries the protocol: every log line goes to stderr.
      const log = createLogger({ level: 'warn', write: (line) => process.stderr.write(`${line}\n`) });
      // Memory (LanceDB and the embedder) is opened only for the servers that use it.
      const memory = server.data === 'memory' || server.data === 'fetch' ? await (await import('../../daemon/memory-setup.js')).openMemory(config, ctx.home, log) : null;
      // execute_code's sandbox is opened on its first call, borrowing the daemon's engine when one runs; never the unsafe backend.
      const { lazySandbox, openSandbox } = await import('../../daemon/sandbox-runtime.js');
      const sandboxes = lazySandbox(() =>
        openSandbox({ home: ctx.home, config: { ...config.sandbox, warmPoolSize: 0 }, unsafeNoSandbox: false, stopAdoptedEngine: false, log }),
      );
      const sandbox = () => sandboxes.get().then((runtime) => runtime.sandbox);
      const triggers = server.data === 'time' ? await (await import('../../daemon/mcp/daemon-triggers.js')).connectDaemonTriggers(ctx.home, config.subjectPrefix, log) : null;
      try {
        const host = createMcpHost({ jobsDir, settings: config.mcp, log, sandbox, ...(memory ? { memory } : {}), ...(triggers ? { scheduler: triggers.scheduler } : {}) });
        await serveStdio(host, server.data, job.data);
      } finally {
        await triggers?.close();
        await sandboxes.close();
        await memory?.close();
      }
      return EXIT.ok;
    }
    throw new CliError('usage', 'use: autodev mcp list, or autodev mcp serve NAME --job JOB');
  },
};
