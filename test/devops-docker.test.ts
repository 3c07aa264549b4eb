import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devopsArtifacts } from '../actors/devops/artifacts.js';
import { baseImages, createImageBuilder } from '../actors/devops/docker-image-builder.js';
import type { Blueprint } from '../proto/index.js';
import { dockerSkipReason, useSharedDocker, type TestDocker } from './helpers/docker.js';
import { tempDir } from './helpers/env.js';

const BLUEPRINT: Blueprint = {
  requirements: ['serve'],
  techStack: { language: 'TypeScript', runtime: 'Node.js', framework: 'Hono', database: null, testing: 'Vitest', frontend: null },
  structure: [],
  complexity: 'small',
  spec: null,
};

describe('image base detection', () => {
  it('names the images a Dockerfile builds from, not its own stages', () => {
    const dockerfile = devopsArtifacts(BLUEPRINT, { appName: 'x' }).find((f) => f.path === 'Dockerfile')?.content ?? '';
    expect(baseImages(dockerfile)).toEqual(['node:20-slim']);
    expect(baseImages('FROM scratch\nFROM base:1 AS b\nFROM b\n')).toEqual(['base:1']);
  });
});

const skip = dockerSkipReason();

describe.skipIf(skip)(`image builds on a private dockerd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let engine: TestDocker;
  const work = tempDir('image-build');
  const read = (dir: string) => Promise.resolve(readFileSync(join(dir, 'Dockerfile'), 'utf8'));
  beforeAll(async () => {
    engine = useSharedDocker();
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    work.cleanup();
  });

  it('skips the generated Dockerfile with the reason when its base image cannot be pulled offline', async () => {
    const dir = join(work.path, 'generated');
    mkdirSync(dir);
    for (const file of devopsArtifacts(BLUEPRINT, { appName: 'x' })) {
      mkdirSync(join(dir, file.path, '..'), { recursive: true });
      writeFileSync(join(dir, file.path), file.content);
    }
    const built = await createImageBuilder(engine.docker, read)(dir, 'x:1');
    expect(built).toMatchObject({ status: 'skipped', reason: expect.stringContaining('base image node:20-slim is not on the Docker engine') });
  });

  it('builds an image whose base is on the engine, with no network', async () => {
    const dir = join(work.path, 'scratch');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    writeFileSync(join(dir, 'node_modules', 'big.bin'), 'never sent to the engine');
    const built = await createImageBuilder(engine.docker, read)(dir, 'autodev-test-image:1');
    expect(built.status, built.log).toBe('passed');
    const image = await engine.docker.getImage('autodev-test-image:1').inspect();
    expect(image.RepoTags).toContain('autodev-test-image:1');

    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY missing.txt /missing.txt\n');
    const broken = await createImageBuilder(engine.docker, read)(dir, 'autodev-test-image:2');
    expect(broken).toMatchObject({ status: 'failed', reason: expect.stringContaining('missing.txt') });
  });
});
