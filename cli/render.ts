import type { CorruptJobView, JobView } from '../proto/index.js';
import { renderAcceptance } from './render-acceptance.js';
import { renderRequirements, requirementCounts } from './render-requirements.js';
import { renderRules } from './render-rules.js';
import { safeText } from './safe-text.js';
import type { TaskLine, WatchState } from './watch-store.js';

const ICON: Record<string, string> = {
  pending: '·',
  running: '▶',
  retrying: '↻',
  completed: '✔',
  needs_fix: '✎',
  failed: '✘',
  blocked: '⊘',
  cancelled: '■',
};

// Model output, prompts and paths reach the terminal through here; every string goes through safeText.
export { safeText as printable } from './safe-text.js';

// The watch tree's state is a store fed the job's events (watch-store.ts); this file only draws it.
export { applyEvent, initialWatchState, type TaskLine, type WatchState } from './watch-store.js';

/** Tasks under the tasks they depend on, so the tree reads top-down like the DAG. */
export function renderTree(state: WatchState): string[] {
  const lines = [`job ${safeText(state.jobId)}: ${safeText(state.status)}`];
  const round = state.acceptance;
  if (round) {
    const verdict = round.accepted ? ' · accepted' : '';
    lines.push(`acceptance round ${round.round}/${round.maxRounds}: ${round.passed} passed, ${round.failed} failed, ${round.blocked > 0 ? `${round.blocked} blocked, ` : ''}${round.unverified} unverified${verdict}`);
  }
  if (state.requirements) lines.push(`requirements: ${requirementCounts(state.requirements)}`);
  const children = new Map<string, TaskLine[]>();
  const roots: TaskLine[] = [];
  for (const task of state.tasks.values()) {
    const parent = task.dependencies.find((d) => state.tasks.has(d));
    if (parent) children.set(parent, [...(children.get(parent) ?? []), task]);
    else roots.push(task);
  }
  const walk = (task: TaskLine, prefix: string, last: boolean) => {
    const branch = last ? '└─ ' : '├─ ';
    const attempt = task.attempts > 1 ? ` (attempt ${task.attempts})` : '';
    const note = task.note ? `  ${task.note}` : '';
    lines.push(`${prefix}${branch}${ICON[task.status] ?? '?'} ${safeText(task.id)} [${safeText(task.type)}] ${safeText(task.description.slice(0, 50))}${attempt}${safeText(note)}`);
    const kids = children.get(task.id) ?? [];
    kids.forEach((kid, i) => walk(kid, prefix + (last ? '   ' : '│  '), i === kids.length - 1));
  };
  roots.forEach((task, i) => walk(task, '', i === roots.length - 1));
  if (state.error) lines.push(`error: ${safeText(state.error)}`);
  return lines;
}

export function renderJobView(view: JobView): string[] {
  const lines = [`job ${safeText(view.jobId)}: ${safeText(view.status)}`, `repo: ${safeText(view.repo)}`];
  for (const task of view.tasks) {
    const interrupted = task.interruptedAttempts ? `, ${task.interruptedAttempts} cut short by a daemon restart (no retry charged)` : '';
    lines.push(`  ${ICON[task.status] ?? '?'} ${safeText(task.id)} [${safeText(task.type)}] ${safeText(task.status)} (attempts: ${task.attempts}${interrupted})`);
    lines.push(...renderRules(task));
  }
  lines.push(...renderAcceptance(view.acceptance));
  lines.push(...renderRequirements(view.requirements));
  if (view.error) lines.push(`error: ${safeText(view.error.code)}: ${safeText(view.error.message)}`);
  return lines;
}

/** One line per job in `autodev status`; the prompt is the user's, but it came back over the wire. */
export function renderJobLine(view: JobView, tokens: string): string {
  return `${safeText(view.jobId)}  ${safeText(view.status).padEnd(9)}  ${safeText(view.createdAt)}  ${tokens.padStart(8)}  ${safeText(view.prompt.slice(0, 60))}`;
}

/** A job whose record is unreadable: what broke and what to do, never silently left out. */
export function renderCorruptJob(job: CorruptJobView): string[] {
  return [`${safeText(job.jobId)}  corrupt    ${safeText(job.reason)}`, `    ${safeText(job.recovery)}`];
}
