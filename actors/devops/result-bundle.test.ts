import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOB_RECORD_VERSION, type JobRecord } from '../../proto/index.js';
import { buildResultBundle, STATUS_ARTIFACT, SUITE_ARTIFACT } from './result-bundle.js';

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
    const paths = async () => (await buildResultBundle(jobIn(dir), join(dir, 'artifacts'), null, join(dir, 'acceptance', 'suite.json'))).artifacts.map((a) => a.path);
    expect(await paths()).toEqual(['RESULT.md', STATUS_ARTIFACT]);
    mkdirSync(join(dir, 'acceptance'));
    writeFileSync(join(dir, 'secret'), 'not for export');
    symlinkSync(join(dir, 'secret'), join(dir, 'acceptance', 'suite.json'));
    symlinkSync(join(dir, 'secret'), join(dir, 'acceptance', 'round-1.json'));
    expect(await paths()).toEqual(['RESULT.md', STATUS_ARTIFACT]);
  });

  it('carries every acceptance round, the status, and for a failed job a RESULT.md that says why', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'repo'));
    mkdirSync(join(dir, 'acceptance'));
    for (const n of [10, 2, 1]) writeFileSync(join(dir, 'acceptance', `round-${n}.json`), `{"round":${n}}`);
    writeFileSync(join(dir, 'acceptance', 'notes.txt'), 'not a report');
    const job: JobRecord = { ...jobIn(dir), error: { code: 'acceptance_failed', message: 'the app failed 3 of 34 checks | <b>after 3 rounds</b>' } };
    const bundle = await buildResultBundle(job, join(dir, 'artifacts'), null, join(dir, 'acceptance', 'suite.json'));
    expect(bundle.artifacts.map((a) => a.path)).toEqual(['acceptance/round-1.json', 'acceptance/round-10.json', 'acceptance/round-2.json', 'RESULT.md', STATUS_ARTIFACT]);
    const text = (path: string) => Buffer.from(bundle.artifacts.find((a) => a.path === path)?.base64 ?? '', 'base64').toString('utf8');
    expect(text('acceptance/round-10.json')).toBe('{"round":10}');
    expect(JSON.parse(text(STATUS_ARTIFACT))).toMatchObject({ jobId: 'job-suite', status: 'failed', error: { code: 'acceptance_failed' } });
    const notes = text('RESULT.md');
    // The reason is one table-safe line: the message cannot open HTML or a new cell.
    expect(notes).toContain('**failed**: acceptance_failed: the app failed 3 of 34 checks &lt;b&gt;after 3 rounds&lt;/b&gt;');
    expect(notes).toContain('- `acceptance/round-2.json`: an acceptance round');
    expect(notes).toContain('the export holds no application');
  });
});
