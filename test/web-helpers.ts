import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { JOB_RECORD_VERSION, JobRecord } from '../proto/index.js';
import { Recording } from '../proto/recording.js';
import { REPO_ROOT } from './helpers/env.js';

/** Debian's chromium (scripts/setup.sh installs it); Playwright's own download cannot work offline. */
export function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  } catch {
    throw new Error('no chromium on PATH: run scripts/setup.sh (it installs Debian\'s chromium)');
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Chromium refuses to sandbox itself as root, as the test machines run.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** Every string here must reach the page as text; any of them run as code sets window.__pwned. */
export const HOSTILE = `<script>window.__pwned='script'</script><img src=x onerror="window.__pwned='img'">javascript:window.__pwned='link'`;
export const HOSTILE_FILE = `<img src=x onerror=window.__pwned='file'>.js`;

/**
 * A failed job on disk whose prompt, task, rule details, logs, file names,
 * acceptance failures and requirements all carry HOSTILE. The daemon's store
 * reads job records from disk on each list, so a running daemon shows it.
 */
export function seedHostileJob(home: string, id: string): void {
  const dir = join(home, 'jobs', id);
  const repo = join(dir, 'repo');
  mkdirSync(repo, { recursive: true });
  const now = new Date().toISOString();
  const record = JobRecord.parse({
    schemaVersion: JOB_RECORD_VERSION,
    id,
    prompt: `Build a todo API ${HOSTILE}`,
    spec: null,
    blueprint: null,
    status: 'failed',
    repo: join(repo, HOSTILE_FILE),
    createdAt: now,
    updatedAt: now,
    endedAt: now,
    error: { code: 'acceptance_failed', message: `the app failed: ${HOSTILE}` },
    tasks: [
      {
        id: 't1',
        type: 'backend',
        description: `write ${HOSTILE}`,
        dependencies: [],
        priority: 5,
        estimatedTime: 5,
        attempts: 1,
        maxRetries: 1,
        status: 'needs_fix',
        assignedWorker: null,
        prompt: HOSTILE,
        tools: [],
        context: [],
        output: {
          commit: 'a'.repeat(40),
          files: [HOSTILE_FILE],
          summary: HOSTILE,
          tokens: 10,
          validation: {
            passed: false,
            issues: [HOSTILE],
            verdict: 'failed',
            rules: [{ rule: { kind: 'file_mentions', path: 'README.md', texts: [HOSTILE_FILE] }, status: 'failed', detail: `missing ${HOSTILE_FILE}: ${HOSTILE}`, durationMs: 1, logExcerpt: HOSTILE }],
          },
          conflicts: [],
        },
        validationRules: [{ kind: 'file_mentions', path: 'README.md', texts: [HOSTILE_FILE] }],
        lastError: { code: 'validation_failed', message: HOSTILE },
        failureSignatures: [],
        fixOf: null,
        budget: { maxTokens: 1000, timeoutMs: 60_000 },
        tokensUsed: 10,
      },
    ],
    acceptance: {
      rounds: 1,
      maxRounds: 1,
      last: {
        round: 1,
        passed: 0,
        failed: 1,
        unverified: 0,
        total: 1,
        projectTests: { status: 'failed', summary: HOSTILE },
        failures: [{ id: 'c1', operationId: 'createList', kind: 'operation', title: HOSTILE, status: 'failed', problem: HOSTILE }],
        commit: 'b'.repeat(40),
        durationMs: 5,
        requirements: [{ id: 'r1', text: HOSTILE, verdict: 'failed', checks: ['c1'], reason: HOSTILE }],
      },
    },
  });
  writeFileSync(join(dir, 'job.json'), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** GET with a Host header of our choosing, which fetch does not let a caller set. */
export function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

const RECORDINGS = join(REPO_ROOT, 'test', 'fixtures', 'recordings');

/** The marker every entry of the web-hostile recording names; a prompt holding it gets that recording's answers. */
export const HOSTILE_LIVE_MARKER = 'HOSTILE-LIVE-JOB';

/**
 * One recording for one daemon: web-hostile's entries (each names
 * HOSTILE_LIVE_MARKER) before todo-api-plain-js's, with both answer folders
 * copied beside it, so the todo job and the hostile job run side by side.
 */
export function combinedRecording(dir: string): string {
  const parts = ['web-hostile', 'todo-api-plain-js'].map((name) => {
    cpSync(join(RECORDINGS, name, 'answers'), join(dir, 'answers'), { recursive: true });
    return Recording.parse(JSON.parse(readFileSync(join(RECORDINGS, name, 'recording.json'), 'utf8')));
  });
  const recording: Recording = { type: 'replay.recording', version: 1, answers: parts.flatMap((p) => p.answers) };
  const path = join(dir, 'recording.json');
  writeFileSync(path, JSON.stringify(recording));
  return path;
}
