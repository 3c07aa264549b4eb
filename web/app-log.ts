import type { AcceptanceRoundApp } from '../proto/acceptance-app-log.js';
import { h } from './dom.js';
import { duration, statusBadge } from './format.js';

/** How the round set the app up (install, build, start) and what the app printed, all as text. */
export function appLogView(answer: AcceptanceRoundApp | undefined, round: number): HTMLElement {
  const title = h('h3', {}, [`The app in round ${round}`]);
  if (!answer) return h('div', { class: 'app-log' }, [title, h('p', { class: 'muted' }, ['Loading the app log…'])]);
  if (answer.state === 'not_reported') return h('div', { class: 'app-log' }, [title, h('p', { class: 'muted' }, ['The app log appears when the round has ended.'])]);
  if (!answer.app) return h('div', { class: 'app-log' }, [title, h('p', { class: 'muted' }, ['The checks ran against an app started elsewhere: no log was kept.'])]);
  const app = answer.app;
  return h('div', { class: 'app-log', id: 'app-log' }, [
    title,
    h('p', {}, [`Sandbox: ${app.sandbox}`]),
    h(
      'ul',
      { class: 'app-steps' },
      app.steps.map((s) =>
        h('li', { 'data-step': s.name }, [
          statusBadge(s.status),
          ` ${s.name} (${duration(s.durationMs)})`,
          s.reason ? `: ${s.reason}` : '',
          s.logExcerpt ? h('details', {}, [h('summary', {}, [`${s.name} output`]), h('pre', {}, [s.logExcerpt])]) : null,
        ]),
      ),
    ),
    h('h4', {}, ["The app's own output (its end)"]),
    app.logExcerpt ? h('pre', { class: 'app-output' }, [app.logExcerpt]) : h('p', { class: 'muted' }, ['The app printed nothing.']),
  ]);
}
