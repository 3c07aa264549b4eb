import { createServer, type Server } from 'node:net';
import { expect } from 'vitest';
import type { Sandbox } from '../../actors/sandbox/sandbox.js';

/** Asserts that code in the sandbox cannot connect to a server listening on the host's loopback. */
export async function expectHostLoopbackUnreachable(sandbox: Sandbox, workspace: string): Promise<void> {
  const server: Server = createServer((socket) => socket.end('secret'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const script = `require("net").connect(${port},"127.0.0.1").on("connect",()=>{console.log("CONNECTED");process.exit(0)}).on("error",e=>{console.log(e.code);process.exit(3)})`;
    const result = await sandbox.run(['node', '-e', script], { workspace, timeoutMs: 10_000 });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).not.toContain('CONNECTED');
  } finally {
    server.close();
  }
}
