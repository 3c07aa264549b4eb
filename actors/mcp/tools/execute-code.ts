import { z } from 'zod';
import { ToolError, toolFor } from '../tool.js';
import type { FilesystemToolDeps } from './filesystem-deps.js';

const RUNTIMES = { node: ['node', '-e'], python: ['python3', '-c'], sh: ['sh', '-c'] } as const;

/** The filesystem server's one tool that runs code: only through the Sandbox it was given, never on the host. */
export const executeCode = toolFor<FilesystemToolDeps>()({
  name: 'execute_code',
  description: 'Run a snippet of node, python or sh code in the sandbox, with the workspace mounted and no network.',
  inputSchema: z
    .object({
      language: z.enum(['node', 'python', 'sh']),
      code: z.string().min(1).max(100_000),
      timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    })
    .strict(),
  outputSchema: z.object({
    exitCode: z.number().int(),
    stdout: z.string(),
    stderr: z.string(),
    timedOut: z.boolean(),
    durationMs: z.number(),
    backend: z.string(),
  }),
  annotations: { openWorldHint: false },
  async handler({ language, code, timeoutMs }, deps) {
    const sandbox = deps.sandbox ? await deps.sandbox() : undefined;
    // Which backend is the composition root's explicit choice.
    if (!sandbox) {
      throw new ToolError('unavailable', 'execute_code needs a sandbox and none is configured; install Docker or bubblewrap and restart autodevd');
    }
    await deps.ws.resolve('.', 'read');
    const result = await sandbox.run([...RUNTIMES[language], code], {
      workspace: deps.ws.root,
      network: 'none',
      timeoutMs: Math.min(timeoutMs, deps.executeTimeoutMs),
    });
    return {
      exitCode: result.exitCode,
      stdout: result.stdout.slice(0, 100_000),
      stderr: result.stderr.slice(0, 100_000),
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      backend: sandbox.backend,
    };
  },
});
