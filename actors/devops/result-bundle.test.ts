import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOB_RECORD_VERSION, type JobRecord } from '../../proto/index.js';
import { buildResultBundle, SUITE_ARTIFACT } from './result-bundle.js';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-suite-'));
  dirs.push(dir);
  return dir;
};
const jobIn = (dir: string): JobRecord => {
  const now = new Date().toISOString();
  return { schemaVersion: JOB_RECORD_VERSION, id: 'job-suite', prompt: 'x', spec: null, blueprint: null, status: 'failed', repo: join(dir, 'repo'), createdAt: now, updatedAt: now, tasks: [], error: null, acceptance: null };
};

describe('the exported result', () => {
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('carries the job\'s frozen suite.json under artifacts/, so `autodev accept --suite` can replay it', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'repo'));
    mkdirSync(join(dir, 'acceptance'));
    writeFileSync(join(dir, 'acceptance', 'suite.json'), '{"type":"acceptance.suite"}\n');
    const bundle = await buildResultBundle(jobIn(dir), join(dir, 'artifacts'), null, join(dir, 'acceptance', 'suite.json'));
    const suite = bundle.artifacts.find((a) => a.path === SUITE_ARTIFACT);
    expect(SUITE_ARTIFACT).toBe('acceptance/suite.json');
    expect(Buffer.from(suite?.base64 ?? '', 'base64').toString('utf8')).toBe('{"type":"acceptance.suite"}\n');
  });

  it('has no suite when the job has none, and never follows a link in its place', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'repo'));
    expect((await buildResultBundle(jobIn(dir), join(dir, 'artifacts'), null, join(dir, 'acceptance', 'suite.json'))).artifacts).toEqual([]);
    mkdirSync(join(dir, 'acceptance'));
    writeFileSync(join(dir, 'secret'), 'not for export');
    symlinkSync(join(dir, 'secret'), join(dir, 'acceptance', 'suite.json'));
    expect((await buildResultBundle(jobIn(dir), join(dir, 'artifacts'), null, join(dir, 'acceptance', 'suite.json'))).artifacts).toEqual([]);
  });
});
