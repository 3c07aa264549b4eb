/**
 * Where a job's time goes when the model costs nothing: the todo-api example
 * on the `replay` provider (recorded answers), through a real daemon in this
 * process (NATS, git, validation rules in the sandbox, the acceptance phase).
 * Prints one JSON line per task and per stage, and a summary last:
 *   {"submit_to_accepted_s","machinery_ms_per_task","acceptance_ms","stages_ms":{…},"rules_ms":{…}}
 * machinery_ms_per_task is the span from the first dispatch to the last task
 * completion divided by the tasks: with recorded answers that is validation,
 * sandbox, git, memory and NATS, not the model (task_wall_ms_median is one
 * task's dispatch-to-completion, waiting for the others' integration included).
 * The job runs --jobs times (default 2) in one daemon: the summary is the
 * last run's, with the first run's figures as cold_*, since the first job
 * also pays for what a daemon does once (opening the sandbox: a Docker
 * engine and its image; loading the embedding model).
 * Usage: node dist/scripts/bench/pipeline.js [--recording NAME] [--jobs N] [--sandbox auto|docker|bubblewrap] [--no-reuse]
 *   (defaults correct, 2, auto; --no-reuse removes each warm Docker container after one run, as before reuse)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../../actors/log/logger.js';
import { readJobEvents } from '../../cli/sse.js';
import { packageRoot } from '../../cli/daemon-process.js';
import { DaemonConfig } from '../../daemon/config.js';
import { startDaemon } from '../../daemon/daemon.js';
import { JobView, type JobEvent } from '../../proto/index.js';

const { values } = parseArgs({ options: { recording: { type: 'string', default: 'correct' }, jobs: { type: 'string', default: '2' }, sandbox: { type: 'string', default: 'auto' }, 'no-reuse': { type: 'boolean', default: false } } });
const jobCount = Number(values.jobs);
if (!Number.isInteger(jobCount) || jobCount < 1) throw new Error(`--jobs takes a whole number of at least 1, not ${values.jobs}`);
const root = packageRoot();
const example = join(root, 'examples', 'todo-api');
const model = { provider: 'replay', path: join(example, 'recordings', values.recording ?? 'correct', 'recording.json') };
const home = mkdtempSync(join(tmpdir(), 'autodev-bench-pipeline-'));

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? null : Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0);
};

const daemon = await startDaemon({
  home,
  config: DaemonConfig.parse({ sandbox: { backend: values.sandbox, reuseContainers: !values['no-reuse'] }, gpu: 'cpu', retryBaseMs: 50, maxRetries: 1, models: { master: model, worker: model } }),
  log: silentLogger,
});
try {
  const token = readFileSync(daemon.tokenFile, 'utf8').trim();
  const api = (path: string, body?: unknown) =>
    fetch(`${daemon.apiUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** One job from submit to its end, in this daemon: its figures, printed as it goes. */
  const runJob = async () => {
    const submitted = performance.now();
    const res = await api('/jobs', {
      prompt: readFileSync(join(example, 'prompt.md'), 'utf8').trim(),
      spec: readFileSync(join(example, 'openapi.yaml'), 'utf8'),
    });
    if (res.status !== 201) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    const { jobId } = JobView.parse(await res.json());
    const stream = await api(`/jobs/${jobId}/events`);
    const seenAt = new Map<JobEvent, number>();
    const events: JobEvent[] = [];
    for await (const event of readJobEvents(stream.body as ReadableStream<Uint8Array>)) {
      seenAt.set(event, performance.now());
      events.push(event);
    }
    const ended = performance.now();
    const view = JobView.parse(await (await api(`/jobs/${jobId}`)).json());

    const dispatchedAt = new Map<string, number>();
    const taskMs: number[] = [];
    const stages = new Map<string, number[]>();
    const rules = new Map<string, number[]>();
    let firstDispatch: number | null = null;
    let lastCompletion: number | null = null;
    let integratingAt: number | null = null;
    let acceptanceMs: number | null = null;
    for (const event of events) {
      const at = Date.parse(event.at);
      if (event.type === 'task.dispatched') {
        dispatchedAt.set(`${event.taskId}#${event.attempt}`, at);
        firstDispatch ??= at;
      }
      if (event.type === 'validation.stage') stages.set(event.result.stage, [...(stages.get(event.result.stage) ?? []), event.result.durationMs]);
      // An attempt committed with a failed verdict (task.committed) took its time and ran its rules all the same.
      if (event.type === 'task.completed' || event.type === 'task.committed') {
        lastCompletion = at;
        const attempts = view.tasks.find((t) => t.id === event.taskId)?.attempts ?? 1;
        const start = dispatchedAt.get(`${event.taskId}#${attempts}`);
        if (start !== undefined) {
          taskMs.push(at - start);
          console.log(JSON.stringify({ task: event.taskId, ms: at - start, files: event.output.files.length }));
        }
        for (const rule of event.output.validation.rules ?? []) rules.set(rule.rule.kind, [...(rules.get(rule.rule.kind) ?? []), rule.durationMs]);
      }
      if (event.type === 'job.integrating') integratingAt = at;
      if ((event.type === 'job.accepted' || event.type === 'job.failed') && integratingAt !== null && acceptanceMs === null) acceptanceMs = at - integratingAt;
    }
    for (const [stage, times] of stages) console.log(JSON.stringify({ stage, median_ms: median(times), runs: times.length }));
    const summary = {
      recording: values.recording,
      status: view.status,
      acceptance: view.acceptance ? `${view.acceptance.passed}/${view.acceptance.total}` : null,
      tasks: taskMs.length,
      submit_to_accepted_s: Math.round((ended - submitted) / 100) / 10,
      // A job's attempts are integrated one at a time, so a task's own wall time includes waiting for the others';
      // the busy time per task is the span from the first dispatch to the last completion, shared out.
      machinery_ms_per_task: firstDispatch !== null && lastCompletion !== null && taskMs.length > 0 ? Math.round((lastCompletion - firstDispatch) / taskMs.length) : null,
      task_wall_ms_median: median(taskMs),
      acceptance_ms: acceptanceMs,
      acceptance_run_ms: view.acceptance?.durationMs ?? null,
      stages_ms: Object.fromEntries([...stages].map(([k, v]) => [k, median(v)])),
      rules_ms: Object.fromEntries([...rules].map(([k, v]) => [k, median(v)])),
    };
    return summary;
  };
  // The first job also pays for what a daemon does once: opening the sandbox (a Docker engine, its image),
  // loading the embedding model. The last job shows what each task costs once the daemon runs.
  const runs = [];
  for (let i = 0; i < jobCount; i += 1) {
    const run = await runJob();
    console.log(JSON.stringify({ job: i + 1, ...run }));
    runs.push(run);
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  if (!first || !last) throw new Error('--jobs must be at least 1');
  const summary = { ...last, jobs: runs.length, cold_submit_to_accepted_s: first.submit_to_accepted_s, cold_machinery_ms_per_task: first.machinery_ms_per_task };
  console.log(JSON.stringify(summary));
} finally {
  await daemon.stop();
  rmSync(home, { recursive: true, force: true });
}
