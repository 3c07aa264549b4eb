import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type Dockerode from 'dockerode';
import { z } from 'zod';
import type { ImageBuilder } from './build-steps.js';

/** Folders never sent to the engine: the .dockerignore the artifacts write says the same. */
const NOT_CONTEXT = new Set(['node_modules', '.git', 'coverage']);

async function contextFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (NOT_CONTEXT.has(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full));
    }
  };
  await walk(root);
  return out;
}

/** The images a Dockerfile builds FROM, less its own stage names and scratch. */
export function baseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const match = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!match) continue;
    const image = match[1] as string;
    if (image !== 'scratch' && !stages.has(image.toLowerCase())) bases.push(image);
    if (match[2]) stages.add(match[2].toLowerCase());
  }
  return [...new Set(bases)];
}

const BuildMessage = z.object({ stream: z.string().optional(), error: z.string().optional() }).loose();

/**
 * Builds the generated Dockerfile on the engine the sandbox uses. No registry
 * can be reached, so base images must already be on the engine: a missing one
 * skips the build with that reason rather than failing it after a pull that
 * cannot succeed. The build itself has no network.
 */
export function createImageBuilder(docker: Dockerode, readDockerfile: (dir: string) => Promise<string>): ImageBuilder {
  return async (contextDir, tag) => {
    const missing: string[] = [];
    for (const base of baseImages(await readDockerfile(contextDir))) {
      try {
        await docker.getImage(base).inspect();
      } catch {
        missing.push(base);
      }
    }
    if (missing.length > 0) {
      return {
        status: 'skipped',
        reason: `base image ${missing.join(', ')} is not on the Docker engine and no registry can be reached offline; load it (docker load -i FILE) and build with: docker build -t ${tag} .`,
        log: '',
      };
    }
    const stream = await docker.buildImage({ context: contextDir, src: await contextFiles(contextDir) }, { t: tag, networkmode: 'none', rm: true, forcerm: true });
    const messages = await new Promise<unknown[]>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null, output: unknown[]) => (error ? reject(error) : resolve(output))));
    const parsed = messages.map((m) => BuildMessage.safeParse(m)).filter((m) => m.success).map((m) => m.data);
    const log = parsed.map((m) => m.stream ?? m.error ?? '').join('');
    const error = parsed.find((m) => m.error)?.error;
    return error ? { status: 'failed', reason: `the image build failed: ${error.trim()}`, log } : { status: 'passed', reason: null, log };
  };
}
