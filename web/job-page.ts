import type { JobView } from '../proto/job.js';
import type { JobEvent } from '../proto/events.js';
import type { AcceptanceCheckResult } from '../proto/acceptance.js';
import type { StageResult } from '../proto/validation.js';
import type { ValidationRule } from '../proto/rules.js';
import type { AcceptanceRoundApp } from '../proto/acceptance-app-log.js';
import { api, ApiError, readEvents } from './api.js';
import { h, replaceChildren, rerender, type Child } from './dom.js';
import { acceptanceSection, type CheckFilter } from './acceptance-table.js';
import { barChart, lineChart } from './chart.js';
import { diffView, type DiffState } from './diff-view.js';
import { appLogView } from './app-log.js';
import { taskTimes, tokenSeries } from './timeline.js';
import { eventText } from './event-text.js';
import { dollars, duration, statusBadge, tokens, when } from './format.js';
import { taskGraph, type GraphTask } from './graph.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const EVENT_LOG_LIMIT = 300;

interface Planned {
  id: string;
  type: string;
  description: string;
  dependencies: string[];
}

/** What the page knows of one job: the record's view (the last word on state) and what its events added. */
interface JobState {
  view: JobView | null;
  planned: Map<string, Planned>;
  events: JobEvent[];
  checks: Map<number, AcceptanceCheckResult[]>;
  stages: Map<string, { attempt: number; stages: StageResult[] }>;
  outputs: Map<string, { commit: string; files: string[]; summary: string }>;
  workers: Map<string, string>;
  /** Per task: the diff of the commit named by `key` (the commit, or 'none' before one). */
  diffs: Map<string, { key: string; diff: DiffState }>;
  /** Per round: the app's setup and log, and the job state it was asked in (asked again when that changes). */
  roundApps: Map<number, { key: string; answer: AcceptanceRoundApp | undefined }>;
  filter: CheckFilter;
  open: Set<string>;
  confirmingCancel: boolean;
  notice: string;
}

function absorb(state: JobState, event: JobEvent): void {
  state.events.push(event);
  switch (event.type) {
    case 'job.planned':
      for (const t of event.tasks) state.planned.set(t.id, { id: t.id, type: t.type, description: t.description, dependencies: t.dependencies });
      break;
    case 'task.created':
      state.planned.set(event.taskId, { id: event.taskId, type: event.task.type, description: event.task.description, dependencies: event.task.dependencies });
      break;
    case 'acceptance.check':
      state.checks.set(event.round, [...(state.checks.get(event.round) ?? []), event.result]);
      break;
    case 'task.dispatched':
      state.stages.set(event.taskId, { attempt: event.attempt, stages: [] });
      break;
    case 'validation.stage': {
      const current = state.stages.get(event.taskId);
      // A late stage of an earlier attempt does not belong to the attempt shown.
      if (current && current.attempt === event.attempt) current.stages.push(event.result);
      break;
    }
    case 'task.progress':
      state.workers.set(event.taskId, event.worker);
      break;
    case 'task.completed':
    case 'task.committed':
      state.outputs.set(event.taskId, { commit: event.output.commit, files: event.output.files, summary: event.output.summary });
      break;
    default:
      break;
  }
}

function ruleText(rule: ValidationRule): string {
  switch (rule.kind) {
    case 'file_exists':
    case 'json_valid':
      return `${rule.kind} ${rule.path}`;
    case 'file_mentions':
      return `${rule.kind} ${rule.path}: ${rule.texts.join(', ')}`;
    case 'command_succeeds':
      return `${rule.kind} ${rule.command}`;
    case 'http':
      return `${rule.kind} ${rule.operationIds.join(', ')}`;
    case 'tests_pass':
      return `${rule.kind} ${rule.glob}`;
    default:
      return rule.kind;
  }
}

function graphTasks(state: JobState): GraphTask[] {
  const tasks = state.view?.tasks ?? [];
  const seen = new Set<string>();
  const fromView = tasks.map((t) => {
    seen.add(t.id);
    const p = state.planned.get(t.id);
    return { id: t.id, type: t.type, status: t.status, dependencies: p?.dependencies ?? [], description: p?.description ?? '' };
  });
  // Planned by an event the record has not caught up with yet: shown pending.
  const fromEvents = [...state.planned.values()].filter((p) => !seen.has(p.id)).map((p) => ({ ...p, status: 'pending' }));
  return [...fromView, ...fromEvents];
}

function header(state: JobState, id: string, onCancel: () => void, onConfirm: (yes: boolean) => void): Child[] {
  const v = state.view;
  if (!v) return [h('h1', {}, [`Job ${id}`]), h('p', {}, ['Loading…'])];
  const running = !TERMINAL.has(v.status);
  const a = v.acceptance;
  const facts: Array<[string, string]> = [
    ['Started', when(v.startedAt ?? v.createdAt)],
    ['Duration', duration(v.durationMs)],
    ['Tokens', tokens(v.tokensUsed)],
    ['Cost', dollars(v.costUsd)],
    ['Acceptance', a ? `${a.passed}/${a.total} passed (round ${a.round})` : '–'],
    ['Repository', v.repo],
  ];
  const controls = !running
    ? []
    : state.confirmingCancel
      ? [
          h('span', { id: 'confirm-text' }, ['Cancel this job? Running tasks stop; finished work stays in the repository. ']),
          h('button', { type: 'button', class: 'danger', 'data-key': 'confirm-cancel', 'aria-describedby': 'confirm-text' }, ['Yes, cancel the job'], { click: () => onConfirm(true) }),
          h('button', { type: 'button', 'data-key': 'keep-running' }, ['Keep it running'], { click: () => onConfirm(false) }),
        ]
      : [h('button', { type: 'button', class: 'danger', 'data-key': 'cancel' }, ['Cancel job'], { click: onCancel })];
  return [
    h('h1', {}, ['Job ', h('span', { class: 'mono' }, [v.jobId]), ' ', h('span', { id: 'job-status', 'data-status': v.status }, [statusBadge(v.status)])]),
    h('details', { class: 'prompt-full' }, [h('summary', {}, ['Prompt']), h('pre', { id: 'job-prompt' }, [v.prompt])]),
    h('dl', { class: 'facts' }, facts.flatMap(([k, val]) => [h('dt', {}, [k]), h('dd', {}, [val])])),
    v.error ? h('p', { class: 'error', id: 'job-error' }, [`${v.error.code}: ${v.error.message}`]) : null,
    h('div', { class: 'controls' }, controls),
    h('p', { role: 'status', class: 'notice' }, [state.notice]),
  ];
}

function taskDetails(state: JobState, onToggle: (id: string, open: boolean) => void): Element {
  const tasks = state.view?.tasks ?? [];
  if (tasks.length === 0) return h('p', { class: 'muted' }, ['No tasks yet.']);
  return h(
    'div',
    { class: 'tasks' },
    tasks.map((t) => {
      const planned = state.planned.get(t.id);
      const stages = state.stages.get(t.id)?.stages ?? [];
      const output = state.outputs.get(t.id);
      const details = h('details', { 'data-task': t.id, open: state.open.has(t.id) }, [
        h('summary', { 'data-key': `task-${t.id}` }, [statusBadge(t.status), ` ${t.id} · ${t.type} · attempt ${t.attempts} · ${tokens(t.tokensUsed)} tokens`, t.verdict ? ` · verdict ${t.verdict}` : '']),
        planned ? h('p', {}, [planned.description]) : null,
        h('p', {}, [`Worker: ${state.workers.get(t.id) ?? '–'}`, planned && planned.dependencies.length > 0 ? ` · depends on ${planned.dependencies.join(', ')}` : '']),
        t.rules && t.rules.length > 0
          ? h('div', {}, [h('h4', {}, ['Rules']), h('ul', {}, t.rules.map((r) => h('li', {}, [statusBadge(r.status), ` ${ruleText(r.rule)}`, r.detail ? `: ${r.detail}` : ''])))])
          : null,
        stages.length > 0
          ? h('div', {}, [
              h('h4', {}, ['Validation stages (latest attempt)']),
              h(
                'ul',
                {},
                stages.map((s) =>
                  h('li', {}, [
                    statusBadge(s.status),
                    ` ${s.stage} (${duration(s.durationMs)}): ${s.summary}`,
                    s.failures.length > 0 ? h('pre', {}, [s.failures.map((f) => `${f.file ?? ''}${f.line ? `:${f.line}` : ''} ${f.message}${f.logExcerpt ? `\n${f.logExcerpt}` : ''}`).join('\n').slice(0, 4000)]) : null,
                  ]),
                ),
              ),
            ])
          : null,
        output
          ? h('div', {}, [h('h4', {}, [`Commit ${output.commit.slice(0, 12)}`]), h('p', {}, [output.summary]), h('ul', { class: 'files' }, output.files.map((f) => h('li', { class: 'mono' }, [f])))])
          : null,
        // Asked for only once the task is opened: a job's diffs together can be large.
        state.open.has(t.id) ? diffView(state.diffs.get(t.id)?.diff) : null,
      ]);
      details.addEventListener('toggle', () => onToggle(t.id, details.open));
      return details;
    }),
  );
}

function requirementsSection(view: JobView | null): Element {
  const reqs = view?.requirements ?? [];
  if (reqs.length === 0) return h('p', { class: 'muted' }, ['No requirement verdicts yet.']);
  return h('div', { class: 'table-scroll' }, [
    h('table', { class: 'requirements' }, [
      h('thead', {}, [h('tr', {}, ['Verdict', 'Requirement', 'Why'].map((t) => h('th', { scope: 'col' }, [t])))]),
      h('tbody', {}, reqs.map((r) => h('tr', {}, [h('td', {}, [statusBadge(r.verdict)]), h('td', {}, [`${r.id}: ${r.text}`]), h('td', {}, [r.reason])]))),
    ]),
  ]);
}

function plots(state: JobState): Element {
  const tasks = state.view?.tasks ?? [];
  const rounds = [...state.checks.entries()].sort(([a], [b]) => a - b);
  const series = tokenSeries(state.events);
  const times = taskTimes(state.events);
  return h('div', { class: 'plots' }, [
    lineChart('Tokens over time per task', tasks.map((t) => ({ label: t.id, points: series.get(t.id) ?? [] })), 'tokens'),
    barChart(
      'Model time against machinery time per task (finished attempts)',
      tasks.flatMap((t) => {
        const time = times.get(t.id);
        return time ? [{ label: t.id, value: time.modelMs, rest: time.machineryMs }] : [];
      }),
      'ms',
      ['model', 'machinery'],
    ),
    barChart(
      'Checks per acceptance round',
      rounds.map(([round, checks]) => {
        const passed = checks.filter((c) => c.status === 'passed').length;
        return { label: `round ${round}`, value: passed, rest: checks.length - passed };
      }),
      'checks',
      ['passed', 'not passed'],
    ),
  ]);
}

function eventLog(events: readonly JobEvent[]): Element {
  const shown = events.slice(-EVENT_LOG_LIMIT);
  return h('ol', { class: 'events', tabindex: 0, 'aria-label': `Event log, last ${shown.length} of ${events.length}`, start: events.length - shown.length + 1 }, shown.map((e) =>
    h('li', {}, [h('time', { datetime: e.at }, [new Date(e.at).toLocaleTimeString()]), ' ', h('span', { class: 'mono' }, [e.type]), ' ', eventText(e)]),
  ));
}

function section(id: string, title: string): { root: HTMLElement; body: HTMLElement } {
  const body = h('div', { id: `${id}-body` });
  return { root: h('section', { id, 'aria-labelledby': `${id}-title` }, [h('h2', { id: `${id}-title` }, [title]), body]), body };
}

/** One job, live: its record's view refetched on every event, and the events themselves. Returns the function that stops it. */
export function showJob(main: HTMLElement, id: string): () => void {
  const state: JobState = {
    view: null,
    planned: new Map(),
    events: [],
    checks: new Map(),
    stages: new Map(),
    outputs: new Map(),
    workers: new Map(),
    diffs: new Map(),
    roundApps: new Map(),
    filter: 'all',
    open: new Set(),
    confirmingCancel: false,
    notice: '',
  };
  const top = h('div', { class: 'job-head' });
  const graph = section('graph', 'Task graph');
  const tasks = section('tasks', 'Tasks');
  const acceptance = section('acceptance', 'Acceptance');
  const requirements = section('requirements', 'Requirements');
  const charts = section('plots', 'Plots');
  const log = section('events', 'Event log');
  replaceChildren(main, [top, graph.root, tasks.root, acceptance.root, requirements.root, charts.root, log.root]);

  const controller = new AbortController();
  let renderTimer: number | undefined;
  let fetchTimer: number | undefined;

  const render = () => {
    renderTimer = undefined;
    askForDetails();
    rerender(top, header(state, id, onCancel, onConfirm));
    rerender(graph.body, [taskGraph(graphTasks(state))]);
    rerender(tasks.body, [
      taskDetails(state, (task, open) => {
        // A re-rendered <details> fires toggle for its own initial state: only a change asks for a render.
        if (open === state.open.has(task)) return;
        if (open) state.open.add(task);
        else state.open.delete(task);
        scheduleRender();
      }),
    ]);
    const rounds = [...state.checks.keys()];
    const round = rounds.length > 0 ? Math.max(...rounds) : null;
    const summary = state.view?.acceptance ?? null;
    const shownRound = summary?.round ?? round;
    rerender(acceptance.body, [
      acceptanceSection(
        shownRound,
        shownRound === null ? [] : (state.checks.get(shownRound) ?? []),
        summary,
        state.filter,
        (f) => {
          state.filter = f;
          render();
        },
        summary ? appLogView(state.roundApps.get(summary.round)?.answer, summary.round) : null,
      ),
    ]);
    rerender(requirements.body, [requirementsSection(state.view)]);
    rerender(charts.body, [plots(state)]);
    rerender(log.body, [eventLog(state.events)]);
  };
  /**
   * Starts the fetches the shown parts need: the diff of each open task (again
   * when its commit changes) and the app log of the latest reported round
   * (again when the job's state changes, since the report lands at the round's end).
   */
  function askForDetails() {
    for (const taskId of state.open) {
      const key = state.outputs.get(taskId)?.commit ?? `none:${state.view?.tasks.find((t) => t.id === taskId)?.status ?? ''}`;
      if (state.diffs.get(taskId)?.key === key) continue;
      state.diffs.set(taskId, { key, diff: { status: 'loading' } });
      void api
        .getTaskDiff(id, taskId)
        .then((diff): DiffState => ({ status: 'loaded', diff }))
        .catch((e: unknown): DiffState => ({ status: 'error', message: e instanceof Error ? e.message : String(e) }))
        .then((diff) => {
          if (state.diffs.get(taskId)?.key === key) state.diffs.set(taskId, { key, diff });
          scheduleRender();
        });
    }
    const round = state.view?.acceptance?.round;
    if (round === undefined) return;
    const key = `${state.view?.status ?? ''}`;
    if (state.roundApps.get(round)?.key === key) return;
    state.roundApps.set(round, { key, answer: undefined });
    void api
      .getRoundApp(id, round)
      .then((answer) => {
        if (state.roundApps.get(round)?.key === key) state.roundApps.set(round, { key, answer });
        scheduleRender();
      })
      .catch((e: unknown) => {
        state.notice = `The app log of round ${round} could not be read: ${e instanceof Error ? e.message : String(e)}`;
        scheduleRender();
      });
  }
  const scheduleRender = () => {
    if (renderTimer === undefined) renderTimer = window.setTimeout(render, 100);
  };
  const refetch = async () => {
    fetchTimer = undefined;
    try {
      state.view = await api.getJob(id);
    } catch (e) {
      state.notice = e instanceof Error ? e.message : String(e);
    }
    scheduleRender();
  };
  const scheduleFetch = () => {
    if (fetchTimer === undefined) fetchTimer = window.setTimeout(() => void refetch(), 250);
  };
  function onCancel() {
    state.confirmingCancel = true;
    render();
    document.querySelector<HTMLElement>('[data-key="confirm-cancel"]')?.focus();
  }
  function onConfirm(yes: boolean) {
    state.confirmingCancel = false;
    if (!yes) {
      render();
      document.querySelector<HTMLElement>('[data-key="cancel"]')?.focus();
      return;
    }
    state.notice = 'Cancelling…';
    render();
    void api
      .cancelJob(id)
      .then((view) => {
        state.view = view;
        state.notice = `Job ${view.status}.`;
      })
      .catch((e: unknown) => {
        state.notice = e instanceof ApiError ? `Not cancelled: ${e.message}` : `Not cancelled: ${String(e)}`;
      })
      .finally(render);
  }

  void (async () => {
    await refetch();
    render();
    // The stream replays the job from its first event, then follows it; it ends when the job does.
    for (let attempt = 0; !controller.signal.aborted; attempt++) {
      let seen = 0;
      const before = state.events.length;
      try {
        await readEvents(id, controller.signal, (event) => {
          // A reconnect replays from the start: skip what this page already has.
          if (++seen <= before) return;
          absorb(state, event);
          scheduleRender();
          scheduleFetch();
        });
      } catch {
        if (controller.signal.aborted) return;
      }
      await refetch();
      if (state.view && TERMINAL.has(state.view.status)) return;
      await new Promise((r) => window.setTimeout(r, Math.min(5000, 500 * 2 ** attempt)));
    }
  })();

  return () => {
    controller.abort();
    window.clearTimeout(renderTimer);
    window.clearTimeout(fetchTimer);
  };
}
