import type { AcceptanceCheckResult, AcceptanceSummary } from '../proto/acceptance.js';
import { h, type Child } from './dom.js';
import { statusBadge } from './format.js';

export type CheckFilter = 'all' | 'failed' | 'blocked' | 'unverified' | 'passed';
const FILTERS: readonly CheckFilter[] = ['all', 'failed', 'blocked', 'unverified', 'passed'];

function pre(text: string): HTMLElement {
  return h('pre', {}, [h('code', {}, [text])]);
}

function requestCell(check: AcceptanceCheckResult): Child[] {
  const r = check.request;
  if (!r) return [h('span', { class: 'muted' }, ['not sent'])];
  return [
    h('code', { class: 'request' }, [`${r.method} ${r.path}`]),
    r.body === undefined ? null : pre(JSON.stringify(r.body, null, 1).slice(0, 600)),
    ...(r.credentials ?? []).map((c) => h('div', { class: 'muted' }, [c])),
  ];
}

function expectedCell(check: AcceptanceCheckResult): Child[] {
  const e = check.expected;
  return [h('div', {}, [`HTTP ${e.status}`, e.contentType ? `, ${e.contentType}` : '']), e.schema ? h('div', { class: 'mono' }, [e.schema]) : null, h('div', {}, [e.detail])];
}

function actualCell(check: AcceptanceCheckResult): Child[] {
  const a = check.actual;
  return [
    h('div', {}, [a.status === null ? 'no answer' : `HTTP ${a.status}`, a.contentType ? `, ${a.contentType}` : '', a.step ? ` (step ${a.step})` : '']),
    a.problem ? h('div', { class: 'problem' }, [a.problem]) : null,
    check.rootCause ? h('div', {}, [`blocked by ${check.rootCause}`]) : null,
    ...a.schemaErrors.slice(0, 5).map((s) => h('div', { class: 'mono' }, [s])),
    a.bodyExcerpt ? pre(a.bodyExcerpt) : null,
  ];
}

/**
 * The round's checks as the daemon published them (acceptance.check events):
 * request, expected and actual side by side, filterable by outcome. Without
 * events (a job from before they were kept), the summary's failures stand in.
 */
export function acceptanceSection(
  round: number | null,
  checks: readonly AcceptanceCheckResult[],
  summary: AcceptanceSummary | null,
  filter: CheckFilter,
  onFilter: (f: CheckFilter) => void,
  /** The round's app setup and log, shown between the counts and the checks. */
  app: Element | null = null,
): Element {
  if (round === null && !summary) return h('p', { class: 'muted' }, ['No acceptance round yet: it starts when every task is done.']);
  const select = h(
    'select',
    { id: 'check-filter', 'data-key': 'check-filter' },
    FILTERS.map((f) => {
      const option = h('option', { value: f }, [f === 'all' ? 'all checks' : `${f} only`]);
      option.selected = f === filter;
      return option;
    }),
    { change: () => onFilter(select.value as CheckFilter) },
  );
  const counts = summary
    ? `Round ${summary.round}: ${summary.passed}/${summary.total} passed, ${summary.failed} failed, ${summary.blocked ?? 0} blocked, ${summary.unverified} unverified${summary.projectTests ? `; project tests ${summary.projectTests.status}: ${summary.projectTests.summary}` : ''}`
    : `Round ${round ?? '?'}: ${checks.length} checks so far`;
  const shown = checks.filter((c) => filter === 'all' || c.status === filter);
  const body =
    checks.length > 0
      ? h('div', { class: 'table-scroll' }, [
          h('table', { class: 'checks' }, [
            h('caption', { class: 'sr-only' }, ['Acceptance checks']),
            h('thead', {}, [h('tr', {}, ['Status', 'Check', 'Request', 'Expected', 'Actual'].map((t) => h('th', { scope: 'col' }, [t])))]),
            h(
              'tbody',
              {},
              shown.map((c) =>
                h('tr', { 'data-check': c.id, 'data-status': c.status }, [
                  h('td', {}, [statusBadge(c.status)]),
                  h('td', {}, [h('div', {}, [c.title]), h('div', { class: 'mono muted' }, [c.id])]),
                  h('td', {}, requestCell(c)),
                  h('td', {}, expectedCell(c)),
                  h('td', {}, actualCell(c)),
                ]),
              ),
            ),
          ]),
        ])
      : h(
          'ul',
          {},
          (summary?.failures ?? []).map((f) => h('li', {}, [statusBadge(f.status), ` ${f.title} (${f.id}): ${f.problem}`])),
        );
  return h('div', {}, [h('p', {}, [counts]), app, h('label', { for: 'check-filter' }, ['Show ']), select, body]);
}
