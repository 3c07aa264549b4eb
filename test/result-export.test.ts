import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JOB_RECORD_VERSION, JobRecord, JobView, Task } from '../proto/index.js';
import { initJobRepo } from '../actors/git/repo.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/env.js';

const gitCli = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

const failedTask = (id: string, status: 'failed' | 'blocked'): Task =>
  Task.parse({
    id, type: 'backend', description: `task ${id}`, dependencies: [], priority: 5, estimatedTime: 5, attempts: status === 'failed' ? 2 : 0, maxRetries: 1, status,
    assignedWorker: null, prompt: '', tools: [], context: [], failureSignatures: [], fixOf: null, budget: { maxTokens: 1000, timeoutMs: 60_000 }, tokensUsed: 0,
    validationRules: [{ kind: 'server_starts' }],
    lastError: status === 'failed' ? { code: 'validation_failed', message: 'server_starts failed: npm start exited with 1 before listening on PORT' } : null,
    output: null,
  });

/** `autodev result` for a job that did not complete, as a user runs it: a real CLI process, which starts the daemon it needs. */
describe('autodev result for a failed job', () => {
  const home = tempDir('result-failed');
  const out = tempDir('result-failed-out');
  const env = { AUTODEV_HOME: home.path };
  const jobId = 'job-failed-export';
  afterAll(async () => {
    await runCli(['daemon', 'stop'], env);
    home.cleanup();
    out.cleanup();
  });

  it('exports why it failed, every acceptance round and the status, with a clean git status and no link followed', async () => {
    const jobDir = join(home.path, 'jobs', jobId);
    const repo = join(jobDir, 'repo');
    await initJobRepo(repo, [{ path: 'README.md', content: '# todo\n' }, { path: 'src/server.js', content: 'process.exit(1);\n' }], 'chore: start job');
    const acceptance = join(jobDir, 'acceptance');
    mkdirSync(acceptance, { recursive: true });
    writeFileSync(join(acceptance, 'suite.json'), '{"type":"acceptance.suite"}\n');
    for (const round of [1, 2]) writeFileSync(join(acceptance, `round-${round}.json`), JSON.stringify({ round, checks: [] }));
    // A report that is a link (a hostile tree, or a mistake) is skipped: the export never reads through it.
    writeFileSync(join(home.path, 'secret.txt'), 'host secret');
    symlinkSync(join(home.path, 'secret.txt'), join(acceptance, 'round-3.json'));
    const now = new Date().toISOString();
    const record = JobRecord.parse({
      schemaVersion: JOB_RECORD_VERSION, id: jobId, prompt: 'a todo API', spec: null, blueprint: null, status: 'failed', repo, createdAt: now, updatedAt: now, endedAt: now,
      tasks: [failedTask('t1', 'failed'), failedTask('t2', 'blocked')],
      error: { code: 'acceptance_failed', message: 'the app failed 1 of 4 acceptance checks after 2 rounds' },
      acceptance: {
        rounds: 2, maxRounds: 2,
        last: {
          round: 2, passed: 3, failed: 1, unverified: 0, total: 4, projectTests: null, commit: 'a'.repeat(40), durationMs: 10,
          failures: [{ id: 'createTodo.operation', operationId: 'createTodo', kind: 'operation', title: 'create', status: 'failed', problem: 'expected 201, got 500' }],
        },
      },
    });
    writeFileSync(join(jobDir, 'job.json'), JSON.stringify(record));

    const target = join(out.path, 'app');
    const res = await runCli(['result', jobId, '--out', target, '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout) as { status: string; artifactsDir: string; artifacts: string[] };
    expect(summary.status).toBe('failed');
    expect(summary.artifactsDir).toBe(join(target, 'artifacts'));
    expect(summary.artifacts.sort()).toEqual(['RESULT.md', 'acceptance/round-1.json', 'acceptance/round-2.json', 'acceptance/suite.json', 'status.json']);

    const notes = readFileSync(join(target, 'artifacts', 'RESULT.md'), 'utf8');
    expect(notes).toContain('**failed**: acceptance_failed: the app failed 1 of 4 acceptance checks after 2 rounds');
    expect(notes).toContain('| t1 | backend | failed | 2 | validation_failed: server_starts failed: npm start exited with 1 before listening on PORT |');
    expect(notes).toContain('| t2 | backend | blocked | 0 | a task it depends on did not complete |');
    expect(notes).toContain('| createTodo.operation | operation | failed | expected 201, got 500 |');
    expect(notes).toContain('`acceptance/round-2.json` beside this file');
    expect(notes).not.toContain(home.path);
    expect(readFileSync(join(target, 'artifacts', 'acceptance', 'round-2.json'), 'utf8')).toBe('{"round":2,"checks":[]}');
    expect(existsSync(join(target, 'artifacts', 'acceptance', 'round-3.json'))).toBe(false);
    expect(JobView.parse(JSON.parse(readFileSync(join(target, 'artifacts', 'status.json'), 'utf8')))).toMatchObject({ jobId, status: 'failed', error: { code: 'acceptance_failed' } });

    // The export is the repository as committed: git sees nothing changed or untracked, the artifacts included.
    expect(gitCli(target, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(gitCli(target, 'log', '--format=%s')).toBe('chore: start job');

    const text = await runCli(['result', jobId, '--out', join(out.path, 'again')], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`why it failed: ${join(out.path, 'again', 'artifacts', 'RESULT.md')}`);
  });
});
