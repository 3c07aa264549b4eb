import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevopsReport, JOB_RECORD_VERSION, type Blueprint, type JobRecord } from '../proto/index.js';
import { devopsArtifacts } from '../actors/devops/artifacts.js';
import { initJobRepo } from '../actors/git/repo.js';
import { createIntegrationEngine } from '../actors/integration/engine.js';
import { checkSyntax } from '../actors/validation/syntax-check.js';
import { scanSecrets } from '../actors/validation/secrets-scan.js';
import { main } from '../cli/main.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/env.js';

const BLUEPRINT: Blueprint = {
  requirements: ['list todos', 'create todos'],
  techStack: { language: 'TypeScript', runtime: 'Node.js', framework: 'Hono', database: 'PostgreSQL', testing: 'Vitest', frontend: 'React' },
  structure: ['package.json', 'src/server.ts', 'web/index.html'],
  complexity: 'small',
  spec: null,
};

const gitCli = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('devops artifacts', () => {
  it('generates the deployment files deterministically, valid, and free of secrets', async () => {
    const files = devopsArtifacts(BLUEPRINT, { appName: 'Todo API with users' });
    expect(devopsArtifacts(BLUEPRINT, { appName: 'Todo API with users' })).toEqual(files);
    expect(files.map((f) => f.path).sort()).toEqual([
      '.dockerignore', '.env.example', '.github/workflows/ci.yml', '.gitignore', 'Dockerfile', 'MOBILE.md', 'ROLLBACK.md',
      'capacitor.config.json', 'docker-compose.yml', 'k8s/deployment.yaml',
    ]);
    expect(checkSyntax(files)).toEqual({ passed: true, issues: [] });
    const byPath = Object.fromEntries(files.map((f) => [f.path, f.content]));
    expect(byPath['.gitignore']).toMatch(/^\.env$/m);
    expect(byPath['.gitignore']).toMatch(/^!\.env\.example$/m);
    expect(byPath['docker-compose.yml']).toContain('image: postgres:16-alpine');
    expect(byPath['k8s/deployment.yaml']).toContain('name: todo-api-with-users-env');
    expect(byPath['MOBILE.md']).toContain('iOS and Android builds were NOT run');
    expect(JSON.parse(byPath['capacitor.config.json'] as string)).toMatchObject({ webDir: 'web/dist' });
    const dir = tempDir('artifacts-secrets');
    try {
      expect(await scanSecrets(dir.path, files)).toEqual([]);
    } finally {
      dir.cleanup();
    }
    const backendOnly = devopsArtifacts({ ...BLUEPRINT, techStack: { ...BLUEPRINT.techStack, frontend: null, database: null } }, { appName: 'x' });
    expect(backendOnly.map((f) => f.path)).not.toContain('MOBILE.md');
  });
});

describe('autodev result against a real daemon', () => {
  let daemon: TestDaemon;
  const out = tempDir('result-out');
  const jobId = 'job-result-1';
  beforeAll(async () => {
    daemon = await startTestDaemon({ localWorkers: false, memory: { enabled: false }, sandbox: { backend: 'bubblewrap' }, validation: { audit: false } });
    // A job as a finished run leaves it: a record and a repository with a task merged from its branch.
    const jobDir = join(daemon.home, 'jobs', jobId);
    const repo = join(jobDir, 'repo');
    const base = await initJobRepo(repo, [{ path: 'README.md', content: '# todo\n' }], 'chore: start job');
    const files = [
      {
        path: 'package.json',
        content: JSON.stringify({ name: 'todo', version: '1.2.0', private: true, scripts: { start: 'node src/server.js' }, devDependencies: { vite: '^5.4.0' } }),
      },
      { path: 'src/server.js', content: 'console.log("todo");\n' },
      { path: 'web/index.html', content: '<!doctype html><html><body><div id="app"></div><script type="module" src="./main.js"></script></body></html>\n' },
      { path: 'web/main.js', content: 'document.getElementById("app").textContent = "todo";\n' },
      ...devopsArtifacts(BLUEPRINT, { appName: 'todo' }),
    ];
    // Committed by the integration engine, as a finished task's attempt is (its branch task/t1 included).
    await createIntegrationEngine()({
      repo,
      blueprint: BLUEPRINT,
      result: { summary: 'all', files, tokens: 1 },
      request: {
        type: 'work.request', jobId, taskId: 't1', attempt: 1, role: 'devops', repo, jobPrompt: 'todo app', description: 'all', prompt: '',
        validationRules: ['builds'], maxTokens: 100, previousError: null, avoidWorker: null, snapshot: { name: 'base', commit: base }, memory: null,
      },
    });
    const now = new Date().toISOString();
    const record: JobRecord = {
      schemaVersion: JOB_RECORD_VERSION, id: jobId, prompt: 'todo app', spec: null, blueprint: BLUEPRINT, status: 'completed', repo,
      createdAt: now, updatedAt: now, tasks: [], error: null,
      // Finalized only once accepted: the integration phase's last round is what RESULT.md reports.
      acceptance: { rounds: 2, maxRounds: 3, last: { round: 2, passed: 41, failed: 0, unverified: 0, total: 41, projectTests: { status: 'passed', summary: 'unit_tests: 4 passed, 0 failed' }, failures: [], commit: 'f'.repeat(40), durationMs: 5000 } },
    };
    mkdirSync(jobDir, { recursive: true });
    writeFileSync(join(jobDir, 'job.json'), JSON.stringify(record));
    mkdirSync(join(jobDir, 'acceptance'), { recursive: true });
    for (const round of [1, 2]) writeFileSync(join(jobDir, 'acceptance', `round-${round}.json`), JSON.stringify({ round }));
  });
  afterAll(async () => {
    await daemon?.cleanup();
    out.cleanup();
  });

  it('tags and builds the completed job, then exports it with its history and artifacts', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const target = join(out.path, 'app');
    const code = await main(['result', jobId, '--out', target, '--json', '--home', daemon.home], {
      stdout: (t) => lines.push(t),
      stderr: (t) => errors.push(t),
      interactive: false,
      env: {},
    });
    expect(errors.join('')).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(lines.join('')) as { tag: string; files: number; steps: Array<{ name: string; status: string; reason: string | null }> };
    expect(summary.tag).toBe('v1.2.0');
    const steps = Object.fromEntries(summary.steps.map((s) => [s.name, s]));
    const report = DevopsReport.parse(JSON.parse(readFileSync(join(target, 'artifacts', 'devops-report.json'), 'utf8')));
    expect(steps.tag?.status).toBe('passed');
    expect(steps.install?.status).toBe('passed');
    // The install ran inside bubblewrap, reaching the registry only through the sandbox's proxy.
    expect(report.steps.find((s) => s.name === 'install')?.ranIn).toBe('sandbox');
    // Vite came from the registry (scripts off) and built the front end inside the bubblewrap sandbox.
    expect(steps.web_build).toMatchObject({ status: 'passed' });
    expect(readFileSync(join(target, 'artifacts', 'web', 'index.html'), 'utf8')).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js">/);
    expect(steps.docker_build).toMatchObject({ status: 'skipped', reason: expect.stringContaining('no Docker engine') });
    expect(steps.mobile_build).toMatchObject({ status: 'skipped', reason: expect.stringContaining('iOS and Android builds were NOT run') });

    // The export is a repository real git accepts, checked out at the tag, with the task branch.
    gitCli(target, 'fsck', '--strict');
    expect(gitCli(target, 'describe', '--tags', '--exact-match', 'HEAD')).toBe('v1.2.0');
    expect(gitCli(target, 'branch', '--list', '--format=%(refname:short)').split('\n').sort()).toEqual(['main', 'task/t1']);
    // The artifacts are the export's, not the app's: git ignores them, so the repository reads exactly as committed.
    expect(gitCli(target, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    // RESULT.md points at the round reports that travel with it, not into the daemon's home.
    expect(readFileSync(join(target, 'artifacts', 'RESULT.md'), 'utf8')).toContain('`acceptance/round-2.json` beside this file');
    expect(readFileSync(join(target, 'artifacts', 'acceptance', 'round-2.json'), 'utf8')).toBe('{"round":2}');
    expect(readFileSync(join(target, 'k8s', 'deployment.yaml'), 'utf8')).toContain('kind: Deployment');
    expect(report.sandbox).toBe('bubblewrap');
    expect(readFileSync(join(target, 'artifacts', 'RESULT.md'), 'utf8')).toContain('iOS and Android builds were NOT run');
    expect(readFileSync(join(target, 'artifacts', 'RESULT.md'), 'utf8')).toContain(`## Acceptance\n\nRound 2 of at most 3, on commit \`${'f'.repeat(40)}\`: **41 of 41 checks passed**, 0 failed, 0 unverified. Project tests: passed (unit_tests: 4 passed, 0 failed).`);

    // Asking again returns the stored report instead of building twice; a non-empty folder is refused.
    const again = await daemon.api(`/jobs/${jobId}/result`);
    expect(((await again.json()) as { devops: { finishedAt: string } }).devops.finishedAt).toBe(report.finishedAt);
    const refused = await main(['result', jobId, '--out', target], { stdout: () => {}, stderr: (t) => errors.push(t), interactive: false, env: {} });
    expect(refused).toBe(2);
    expect(errors.join('')).toContain('is not empty');
    expect(existsSync(join(target, 'artifacts', 'devops-report.json'))).toBe(true);
  });

  it('answers 404 for an unknown job and 409 for one that is still running', async () => {
    expect((await daemon.api('/jobs/job-nope/result')).status).toBe(404);
    const running = JSON.parse(readFileSync(join(daemon.home, 'jobs', jobId, 'job.json'), 'utf8')) as JobRecord;
    mkdirSync(join(daemon.home, 'jobs', 'job-running-1'), { recursive: true });
    writeFileSync(join(daemon.home, 'jobs', 'job-running-1', 'job.json'), JSON.stringify({ ...running, id: 'job-running-1', status: 'running' }));
    const res = await daemon.api('/jobs/job-running-1/result');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'conflict', message: expect.stringContaining('still running') } });
  });
});
