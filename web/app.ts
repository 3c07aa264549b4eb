import { h, replaceChildren } from './dom.js';
import { showJob } from './job-page.js';
import { showJobList } from './job-list.js';

/**
 * Routes live in the fragment (`#/`, `#/jobs/<id>`): the server serves one
 * page, and nothing a route holds is ever sent to it or to a Referer.
 */
const JOB_ROUTE = /^#\/jobs\/([A-Za-z0-9_-]{1,64})$/;

let stop: (() => void) | null = null;

function route(): void {
  const main = document.getElementById('main');
  if (!main) return;
  stop?.();
  stop = null;
  const match = JOB_ROUTE.exec(location.hash);
  if (match?.[1]) stop = showJob(main, match[1]);
  else if (location.hash === '' || location.hash === '#/' || location.hash === '#') stop = showJobList(main);
  else replaceChildren(main, [h('h1', {}, ['Not found']), h('p', {}, [h('a', { href: '#/' }, ['Back to the jobs'])])]);
  main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);
route();
