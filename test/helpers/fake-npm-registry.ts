import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface FakePackage {
  name: string;
  version: string;
  manifest?: Record<string, unknown>;
}

export interface FakeNpmRegistry {
  /** http://127.0.0.1:PORT/, for --registry and a RegistryProxy's list. */
  url: string;
  close(): Promise<void>;
}

/**
 * A package registry on loopback serving a few tarballs made here: enough
 * for npm to resolve a dependency tree offline, through the sandbox's
 * registry proxy or directly from the host.
 */
export async function startFakeNpmRegistry(dir: string, packages: readonly FakePackage[]): Promise<FakeNpmRegistry> {
  const tarballs = new Map<string, Buffer>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
    const tarball = tarballs.get(path);
    if (tarball) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball);
    const versions = packages.filter((p) => p.name === path);
    if (versions.length === 0) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const packument = {
      name: path,
      'dist-tags': { latest: versions.at(-1)?.version },
      versions: Object.fromEntries(versions.map((p) => [p.version, { ...manifestOf(p), dist: distOf(p) }])),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const distOf = (p: FakePackage) => {
    const file = `${p.name}/-/${p.name}-${p.version}.tgz`;
    const bytes = tarballs.get(file) as Buffer;
    return { tarball: `${url}${file}`, integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}` };
  };
  for (const p of packages) {
    const root = join(dir, `${p.name}-${p.version}`);
    mkdirSync(join(root, 'package'), { recursive: true });
    writeFileSync(join(root, 'package', 'package.json'), JSON.stringify(manifestOf(p)));
    execFileSync('tar', ['-czf', join(root, 'package.tgz'), '-C', root, 'package']);
    tarballs.set(`${p.name}/-/${p.name}-${p.version}.tgz`, readFileSync(join(root, 'package.tgz')));
  }
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const manifestOf = (p: FakePackage) => ({ name: p.name, version: p.version, ...p.manifest });
