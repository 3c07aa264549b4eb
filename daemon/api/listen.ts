import { serve, type ServerType } from '@hono/node-server';

/** Serves the control API on loopback only; port 0 picks a free one, and the port bound is returned. */
export function listen(fetch: Parameters<typeof serve>[0]['fetch'], port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: '127.0.0.1', port }, (info) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
}
