import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolError, type AcceptanceSuite } from '../../proto/index.js';
import { createFileSuiteStore } from './suite-store.js';

const SUITE: AcceptanceSuite = { type: 'acceptance.suite', title: 'todo', checks: [], commands: [], schemas: {}, dialect: '2020-12' };

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function jobsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'autodev-suites-'));
  dirs.push(dir);
  return dir;
}

describe('createFileSuiteStore', () => {
  it('reads a frozen suite once per job: later loads get the same frozen object, whatever happens to the file', async () => {
    const dir = jobsDir();
    const store = createFileSuiteStore(dir);
    await store.save('j1', SUITE);
    const first = await store.load('j1');
    expect(first).toEqual(SUITE);
    writeFileSync(join(dir, 'j1', 'acceptance', 'suite.json'), '{"not":"a suite"}');
    expect(await store.load('j1')).toBe(first);
    expect(Object.isFrozen(first?.checks)).toBe(true);
    // A second store (a restarted daemon) reads the file again, and says what is wrong with it.
    const damaged = createFileSuiteStore(dir).load('j1');
    await expect(damaged).rejects.toThrow('does not match its schema; resubmit the job');
    await expect(damaged).rejects.toBeInstanceOf(ProtocolError);
  });

  it('asks again about a job with no suite yet, since planning may still freeze one', async () => {
    const dir = jobsDir();
    const store = createFileSuiteStore(dir);
    expect(await store.load('j2')).toBeNull();
    await createFileSuiteStore(dir).save('j2', SUITE);
    expect(await store.load('j2')).toEqual(SUITE);
  });
});
