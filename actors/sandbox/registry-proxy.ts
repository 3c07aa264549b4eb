import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';

/** Where the proxy's folder appears inside a sandbox. */
export const REGISTRY_MOUNT = '/run/autodev-registry';

/**
 * Runs inside the sandbox with the host's node: a loopback listener in the
 * sandbox's own (otherwise empty) network namespace, each connection piped
 * to the proxy's unix socket, and the command started with the proxy
 * variables npm, yarn, pnpm and most HTTP clients honour.
 */
const FORWARDER = `'use strict';
const net = require('node:net');
const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const [socket, ...argv] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(socket);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const url = 'http://127.0.0.1:' + server.address().port;
  const env = { ...process.env, HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, npm_config_proxy: url, npm_config_https_proxy: url };
  const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env });
  child.on('error', (error) => { console.error(error.message); process.exit(127); });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] || 1)));
});
`;

export interface RegistryProxyOptions {
  /** Holds registry.sock and forward.cjs; bound read-only into sandboxes. */
  dir: string;
  /** The package registries that may be reached, e.g. https://registry.npmjs.org/. */
  registries: string[];
  log?: Logger;
}

/**
 * The dependency-install step's only way out: sandboxes keep network none,
 * and reach this HTTP proxy through a unix socket bound into them. It opens
 * tunnels (CONNECT) and forwards plain requests only to the registries'
 * host:port, and refuses everything else with 403.
 */
export class RegistryProxy {
  private server?: Server;
  private readonly allowed: Set<string>;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: RegistryProxyOptions) {
    this.allowed = new Set(options.registries.map(hostPort));
  }

  get dir(): string {
    return this.options.dir;
  }

  /** argv that runs `command` inside a sandbox with the proxy in its environment. */
  wrap(command: readonly string[]): string[] {
    return ['node', `${REGISTRY_MOUNT}/forward.cjs`, `${REGISTRY_MOUNT}/registry.sock`, ...command];
  }

  async start(): Promise<void> {
    const { dir } = this.options;
    await mkdir(dir, { recursive: true });
    // Sandboxed commands run as other users (nobody, the workspace owner): they must reach the socket.
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'forward.cjs'), FORWARDER, { mode: 0o644 });
    const socketPath = join(dir, 'registry.sock');
    await rm(socketPath, { force: true });
    const server = createServer((req, res) => this.forward(req, res));
    server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => this.tunnel(req, client, head));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    await chmod(socketPath, 0o666);
    this.server = server;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
    await rm(this.options.dir, { recursive: true, force: true });
  }

  private tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
    const target = req.url ?? '';
    const [host, port] = splitHostPort(target, 443);
    if (!this.allowed.has(`${host}:${port}`)) {
      this.options.log?.warn('sandbox registry proxy refused a connection', { target });
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nonly the package registry may be reached from the sandbox\n');
      return;
    }
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  }

  /** Plain-HTTP registries (a local mirror): absolute-form requests only. */
  private forward(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URL expected: this is a proxy\n');
      return;
    }
    if (url.protocol !== 'http:' || !this.allowed.has(hostPort(url.href))) {
      this.options.log?.warn('sandbox registry proxy refused a request', { url: url.origin });
      res.writeHead(403, { 'content-type': 'text/plain' }).end('only the package registry may be reached from the sandbox\n');
      return;
    }
    const upstream = request(url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => res.writeHead(502).end(`registry unreachable: ${error.message}\n`));
    req.pipe(upstream);
  }
}

function hostPort(registry: string): string {
  const url = new URL(registry);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

function splitHostPort(target: string, fallback: number): [string, number] {
  const colon = target.lastIndexOf(':');
  if (colon < 0) return [target, fallback];
  return [target.slice(0, colon).replace(/^\[|\]$/g, ''), Number(target.slice(colon + 1)) || fallback];
}
