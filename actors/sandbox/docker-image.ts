import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { SandboxError } from './errors.js';
import { describeHostRoot, sandboxPasswd } from './host-root.js';

/** Bumped whenever the image's layout changes, so an old image is rebuilt once. */
export const BASE_IMAGE_VERSION = '2';
const VERSION_LABEL = 'org.autodev.sandbox.image-version';

export interface EnsureImageResult {
  image: string;
  built: boolean;
  durationMs: number;
}

/**
 * The base image is a skeleton of a few kilobytes: mount points, merged-/usr
 * links and the shared /etc entries. The host's /usr is bound read-only at
 * run time, so the image needs no registry and no debootstrap, and builds in
 * well under a second. It is built only when missing or outdated.
 */
export async function ensureBaseImage(docker: Dockerode, image: string): Promise<EnsureImageResult> {
  const started = Date.now();
  const existing = await docker
    .getImage(image)
    .inspect()
    .catch(() => undefined);
  if (existing?.Config?.Labels?.[VERSION_LABEL] === BASE_IMAGE_VERSION) {
    return { image, built: false, durationMs: Date.now() - started };
  }
  const dir = await mkdtemp(join(tmpdir(), 'autodev-image-'));
  try {
    await writeSkeleton(dir);
    const [repo, tag = 'latest'] = splitImageName(image);
    const tar = spawn('tar', ['-C', dir, '--numeric-owner', '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tarError = '';
    tar.stderr.on('data', (d: Buffer) => (tarError += d.toString()));
    const progress = await docker.importImage(tar.stdout, { repo, tag, changes: [`LABEL ${VERSION_LABEL}=${BASE_IMAGE_VERSION}`] });
    await followProgress(docker, progress);
    const code = await new Promise<number | null>((resolve) => (tar.exitCode !== null ? resolve(tar.exitCode) : tar.once('close', resolve)));
    if (code !== 0) throw new Error(`tar exited with ${code}: ${tarError.trim()}`);
  } catch (error) {
    throw new SandboxError('sandbox_failed', `could not build the sandbox base image ${image}: ${(error as Error).message}`, { cause: error });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { image, built: true, durationMs: Date.now() - started };
}

async function writeSkeleton(dir: string): Promise<void> {
  const host = describeHostRoot();
  for (const folder of ['tmp', 'workspace', 'proc', 'sys', 'dev', 'run', 'etc', ...host.readOnlyDirs.map((d) => d.slice(1))]) {
    await mkdir(join(dir, folder), { recursive: true });
  }
  // Docker copies the image's /tmp (its mode included) into the run's tmpfs: commands run as nobody, so it must be 1777.
  await chmod(join(dir, 'tmp'), 0o1777);
  for (const link of host.links) await symlink(link.target, join(dir, link.path));
  for (const entry of host.etc) {
    // Symlinks stay symlinks: /etc/alternatives and the certificate store point into /usr, which is bound at run time.
    await cp(entry, join(dir, entry), { recursive: true, verbatimSymlinks: true, dereference: false });
  }
  const { passwd, group } = sandboxPasswd(0, 0);
  await writeFile(join(dir, 'etc/passwd'), passwd);
  await writeFile(join(dir, 'etc/group'), group);
  await writeFile(join(dir, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost\n');
}

function splitImageName(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

/** The engine reports an import failure inside the progress stream, not as an HTTP status. */
function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
      const failed = error ?? output.find((o) => o.error);
      if (failed) reject(failed instanceof Error ? failed : new Error(failed.error));
      else resolve();
    });
  });
}
