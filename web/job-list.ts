import { api, ApiError, type JobList } from './api.js';
import { h, replaceChildren, rerender } from './dom.js';
import { dollars, duration, head, statusBadge, tokens, when } from './format.js';

function acceptanceCell(view: JobList['jobs'][number]): string {
  const a = view.acceptance;
  return a ? `${a.passed}/${a.total} (round ${a.round})` : '–';
}

function jobTable(list: JobList): Element {
  if (list.jobs.length === 0 && list.corrupt.length === 0) return h('p', { class: 'muted' }, ['No jobs yet. Submit one below, or with autodev submit.']);
  const rows = [...list.jobs]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((job) =>
      h('tr', { 'data-job': job.jobId }, [
        h('td', {}, [statusBadge(job.status)]),
        h('td', {}, [h('a', { href: `#/jobs/${job.jobId}`, class: 'mono' }, [job.jobId])]),
        h('td', { class: 'prompt' }, [head(job.prompt)]),
        h('td', {}, [when(job.startedAt ?? job.createdAt)]),
        h('td', { class: 'num' }, [duration(job.durationMs)]),
        h('td', { class: 'num' }, [tokens(job.tokensUsed)]),
        h('td', { class: 'num' }, [dollars(job.costUsd)]),
        h('td', { class: 'num' }, [acceptanceCell(job)]),
      ]),
    );
  const corrupt = list.corrupt.map((c) =>
    h('tr', {}, [h('td', {}, [statusBadge('failed')]), h('td', { class: 'mono' }, [c.jobId]), h('td', { colspan: 6 }, [`corrupt record: ${c.reason}; ${c.recovery}`])]),
  );
  return h('div', { class: 'table-scroll' }, [
    h('table', { class: 'jobs' }, [
      h('caption', { class: 'sr-only' }, ['Jobs, newest first']),
      h('thead', {}, [
        h('tr', {}, ['Status', 'Job', 'Prompt', 'Started', 'Duration', 'Tokens', 'Cost', 'Acceptance'].map((t) => h('th', { scope: 'col' }, [t]))),
      ]),
      h('tbody', {}, [...rows, ...corrupt]),
    ]),
  ]);
}

function submitForm(): Element {
  const error = h('p', { class: 'error', role: 'alert' });
  const prompt = h('textarea', { id: 'prompt', name: 'prompt', rows: 4, required: true, maxlength: 20000 });
  const spec = h('input', { id: 'spec', name: 'spec', type: 'file', accept: '.yaml,.yml,.json,.md,.txt' });
  const button = h('button', { type: 'submit' }, ['Submit job']);
  const form = h(
    'form',
    { class: 'submit', 'aria-labelledby': 'submit-title' },
    [
      h('h2', { id: 'submit-title' }, ['Submit a job']),
      h('label', { for: 'prompt' }, ['Prompt']),
      prompt,
      h('label', { for: 'spec' }, ['Spec or docs (optional: OpenAPI YAML or JSON, Markdown)']),
      spec,
      h('div', {}, [button]),
      error,
    ],
    {
      submit: (event) => {
        event.preventDefault();
        button.disabled = true;
        error.textContent = '';
        void (async () => {
          try {
            const file = spec.files?.[0];
            const view = await api.submitJob({ prompt: prompt.value, ...(file ? { spec: await file.text() } : {}) });
            location.hash = `#/jobs/${view.jobId}`;
          } catch (e) {
            error.textContent = e instanceof ApiError ? `Not submitted: ${e.message}` : `Not submitted: ${String(e)}`;
          } finally {
            button.disabled = false;
          }
        })();
      },
    },
  );
  return form;
}

/** The job list, refreshed every two seconds while it is shown; returns the function that stops it. */
export function showJobList(main: HTMLElement): () => void {
  const table = h('section', { 'aria-labelledby': 'jobs-title', 'aria-busy': 'true' }, [h('p', {}, ['Loading jobs…'])]);
  replaceChildren(main, [h('h1', { id: 'jobs-title' }, ['Jobs']), table, submitForm()]);
  let stopped = false;
  let timer: number | undefined;
  const refresh = async () => {
    try {
      const list = await api.listJobs();
      if (stopped) return;
      rerender(table, [jobTable(list)]);
      table.setAttribute('aria-busy', 'false');
    } catch (e) {
      if (!stopped) replaceChildren(table, [h('p', { class: 'error', role: 'alert' }, [e instanceof Error ? e.message : String(e)])]);
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), 2000);
  };
  void refresh();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
