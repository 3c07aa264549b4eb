import { gitFs as fs } from '../git/git-fs.js';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { DevopsReport, type DevopsStep, type JobRecord } from '../../proto/index.js';
import { copyRegularFiles } from '../fs/copy-tree.js';
import { removeTree } from '../fs/safe-tree.js';
import { writeFileAtomically } from '../fs/write-file-atomically.js';
import { exportTree } from '../git/export-tree.js';
import { headCommit } from '../git/repo.js';
import { tagVersion } from '../git/task-branch.js';
import type { Logger } from '../log/logger.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { requirementNotes } from './requirement-notes.js';
import { acceptanceNotes } from './acceptance-notes.js';
import { appNameFrom } from './artifacts.js';
import { runBuildSteps, type ImageBuilder } from './build-steps.js';
import { MOBILE_NOT_BUILT } from './capacitor.js';
import { listFilesUnder } from './list-files.js';

export interface FinalizerOptions {
  /** Opened on first use; null when no backend can run, so the builds that run code are skipped. */
  sandbox: () => Promise<Sandbox | null>;
  installTimeoutMs?: number;
  /** `<jobsDir>/<jobId>`: build/ and artifacts/ are made there, beside repo/. */
  jobDir: (jobId: string) => string;
  /** The Docker engine's image builder when the sandbox runs on Docker; null otherwise. */
  imageBuilder?: () => Promise<ImageBuilder | null>;
  now?: () => Date;
  log?: Logger;
}

const REPORT = 'devops-report.json';

async function versionOf(repo: string, commit: string): Promise<string> {
  try {
    const { blob } = await git.readBlob({ fs, dir: repo, oid: commit, filepath: 'package.json' });
    const version = (JSON.parse(Buffer.from(blob).toString('utf8')) as { version?: unknown }).version;
    if (typeof version === 'string' && /^\d+\.\d+\.\d+([-+][\w.]+)?$/.test(version)) return version;
  } catch {
    // No package.json, or not JSON: fall through to the default.
  }
  return '0.1.0';
}

/**
 * What happens once a job completes: tag the version on main, build it
 * (install, web build, image) in the sandbox, and keep the outputs and a
 * report under the job's artifacts/ folder. Idempotent per commit: a second
 * call returns the stored report; concurrent calls share one run.
 */
export class JobFinalizer {
  private readonly inFlight = new Map<string, Promise<DevopsReport>>();
  private readonly stopping = new AbortController();
  constructor(private readonly options: FinalizerOptions) {}

  /** Kills running build steps and waits for their runs to settle. */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  finalize(job: JobRecord): Promise<DevopsReport> {
    if (this.stopping.signal.aborted) return Promise.reject(new Error('the daemon is stopping; finalize the job after it restarts'));
    const running = this.inFlight.get(job.id);
    if (running) return running;
    const run = this.run(job).finally(() => this.inFlight.delete(job.id));
    this.inFlight.set(job.id, run);
    return run;
  }

  /** The stored report of a job, if it was finalized. */
  async report(jobId: string): Promise<DevopsReport | null> {
    try {
      return DevopsReport.parse(JSON.parse(await readFile(join(this.options.jobDir(jobId), 'artifacts', REPORT), 'utf8')));
    } catch {
      return null;
    }
  }

  private async run(job: JobRecord): Promise<DevopsReport> {
    const commit = await headCommit(job.repo);
    if (!commit) throw new Error(`job ${job.id} has no commits to finalize`);
    const previous = await this.report(job.id);
    if (previous && previous.commit === commit) return previous;

    const steps: DevopsStep[] = [];
    const started = Date.now();
    const version = await versionOf(job.repo, commit);
    let tag: string | null = `v${version}`;
    try {
      await tagVersion(job.repo, tag, `autodev job ${job.id} completed\n\n${job.prompt.slice(0, 500)}`);
      steps.push({ name: 'tag', status: 'passed', reason: null, durationMs: Date.now() - started, logExcerpt: tag, ranIn: 'host' });
    } catch (error) {
      tag = null;
      steps.push({ name: 'tag', status: 'failed', reason: (error as Error).message, durationMs: Date.now() - started, logExcerpt: '', ranIn: 'host' });
    }

    const dir = this.options.jobDir(job.id);
    const build = join(dir, 'build');
    const artifacts = join(dir, 'artifacts');
    await exportTree(job.repo, commit, build, new Set(['node_modules']));
    const name = appNameFrom(job.prompt.split(/\s+/).slice(0, 4).join(' '));
    const sandbox = await this.options.sandbox();
    steps.push(
      ...(await runBuildSteps({
        sandbox,
        signal: this.stopping.signal,
        ...(this.options.installTimeoutMs ? { installTimeoutMs: this.options.installTimeoutMs } : {}),
        workspace: build,
        blueprint: job.blueprint,
        imageTag: `${name}:${tag ?? commit.slice(0, 12)}`,
        buildImage: this.options.imageBuilder ? await this.options.imageBuilder().catch(() => null) : null,
      })),
    );
    await removeTree(artifacts);
    await mkdir(artifacts, { recursive: true });
    // The server build (dist/) and the web build (web/dist, Capacitor's webDir) are the artifacts worth keeping.
    // The sandboxed build wrote them: regular files only, so no symlink to a host file travels into the result.
    for (const [from, to] of [['dist', 'dist'], ['web/dist', 'web']] as const) {
      await copyRegularFiles(build, from, join(artifacts, to));
    }
    const notes = steps.filter((s) => s.status !== 'passed').map((s) => `${s.name} ${s.status}: ${s.reason ?? ''}`);
    const report: DevopsReport = {
      jobId: job.id,
      commit,
      tag,
      sandbox: sandbox?.backend ?? null,
      steps,
      artifacts: await listFilesUnder(artifacts),
      notes,
      finishedAt: (this.options.now?.() ?? new Date()).toISOString(),
    };
    // Atomically: RESULT.md's appearance is what a reader waits for, and it must never see half of it.
    await writeFileAtomically(join(artifacts, 'RESULT.md'), resultNotes(job, report));
    report.artifacts = [...report.artifacts, 'RESULT.md', REPORT].sort();
    await writeFileAtomically(join(artifacts, REPORT), `${JSON.stringify(report, null, 2)}\n`);
    this.options.log?.info('job finalized', { jobId: job.id, tag, steps: steps.map((s) => `${s.name}:${s.status}`).join(' ') });
    return report;
  }
}

function resultNotes(job: JobRecord, report: DevopsReport): string {
  const rows = report.steps.map((s) => `| ${s.name} | ${s.status} | ${(s.reason ?? '').replace(/\|/g, '/').replace(/\n/g, ' ')} |`);
  return `# Result of job ${job.id}

Commit \`${report.commit}\`${report.tag ? `, tagged \`${report.tag}\`` : ''}. Sandbox: ${report.sandbox ?? 'none available'}.

| step | status | why |
| --- | --- | --- |
${rows.join('\n')}

${acceptanceNotes(job.acceptance)}
${requirementNotes(job)}
${report.steps.some((s) => s.name === 'mobile_build' && s.reason === MOBILE_NOT_BUILT) ? `**${MOBILE_NOT_BUILT}** See MOBILE.md in the application for the commands.\n` : ''}
Deployment files: Dockerfile, docker-compose.yml, k8s/deployment.yaml, .github/workflows/ci.yml,
.env.example (secrets stay in .env, which .gitignore keeps out of git) and ROLLBACK.md.
`;
}
