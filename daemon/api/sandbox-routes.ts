import { Hono } from 'hono';
import { ProtocolError, SandboxRunBody, type SandboxRunAnswer } from '../../proto/index.js';
import { jsonBody } from './validate.js';

/** Runs one command in a sandbox (wired in daemon/sandbox-run-service.ts); `signal` aborts when the client goes away. */
export type SandboxRunService = (body: SandboxRunBody, signal: AbortSignal) => Promise<SandboxRunAnswer>;

/**
 * `POST /sandbox/run` for `autodev sandbox run`: answers when the command has
 * finished, with its output and where it ran (always a private copy of the
 * named folder, written back only when the body asks). A command that fails
 * is a 200 with its exit code; only the sandbox failing, or a workspace it
 * refuses (the daemon's home, a folder too big to copy), is an error (code sandbox_*).
 */
export function sandboxRoutes(run: SandboxRunService | undefined) {
  return new Hono().post('/sandbox/run', jsonBody(SandboxRunBody), async (c) => {
    if (!run) throw new ProtocolError('not_found', 'this daemon was started without sandbox runs');
    return c.json((await run(c.req.valid('json'), c.req.raw.signal)) satisfies SandboxRunAnswer);
  });
}
