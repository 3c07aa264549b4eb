import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebLoginLink } from '../proto/index.js';
import { buildWeb, type WebBuild } from '../scripts/build-web.js';
import { runCli } from './helpers/cli.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { REPO_ROOT, tempDir } from './helpers/env.js';
import { HOSTILE, HOSTILE_FILE, HOSTILE_LIVE_MARKER, combinedRecording, getWithHost, launchChromium, seedHostileJob } from './web-helpers.js';

/**
 * The web view in real Chromium against a real daemon running the todo-api
 * replay job: login through `autodev open`, the graph filling in live, the
 * acceptance table with the app's log, a task's diff, cancelling a second
 * job, refused requests, and hostile strings both in a seeded record and
 * through a live job (test/fixtures/recordings/web-hostile). One daemon and
 * one browser for the file; the jobs run side by side. Screenshots go to dist/test-artifacts/web/ (copied into
 * docs/screenshots/ for the README).
 */
const EXAMPLE = join(REPO_ROOT, 'examples', 'todo-api');
/**
 * The page, not the stack, is under test: the plain-JS answers (no build, no
 * dependencies) with a prompt that names no stack finish in a fraction of the
 * TypeScript recording's time, and complete because the prompt asks nothing
 * they do not do (test/replay-pipeline.ts holds the stack rules).
 */
const PROMPT = [
  "Build a small REST service for a team's to-do lists on Node.js.",
  'Users create lists, add items with an optional due date, mark items done and delete them.',
].join('\n');
const SPEC_FILE = join(EXAMPLE, 'openapi.yaml');
const ARTIFACTS = join(REPO_ROOT, 'dist', 'test-artifacts', 'web');
const HOSTILE_ID = 'web-hostile-job';

/** An expression evaluated in the page (strings: this project compiles without the DOM library). */
function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression);
}

/** What a payload that ran would leave behind: the flag it sets, a script or image, a javascript: link, an on* attribute. */
function probeDom(page: Page) {
  return inPage<{ pwned: string | null; scripts: string[]; images: number; links: string[]; handlers: string[] }>(
    page,
    `({
      pwned: window.__pwned ?? null,
      scripts: [...document.scripts].map((s) => s.src),
      images: document.images.length,
      links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? ''),
      handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name)),
    })`,
  );
}

/** The payloads web-hostile's answers carry (test/fixtures/recordings/web-hostile), each of which must reach the page as text. */
const LIVE_PAYLOADS = [
  "<script>window.__pwned='description'</script>",
  "<img src=x onerror=window.__pwned='file-name'>.js",
  `<script>window.__pwned='summary'</script><img src=x onerror="window.__pwned='summary-img'"> javascript:window.__pwned='summary-link'`,
  "<script>window.__pwned='check'</script> the greeting file exists",
  "javascript:window.__pwned='check-link' the start script is set",
  `<script>window.__pwned='app-log'</script><img src=x onerror="window.__pwned='app-log-img'">javascript:window.__pwned='app-log-link'`,
];

describe('the web view, in Chromium, against a real daemon', () => {
  let daemon: TestDaemon;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let build: WebBuild;
  const problems: string[] = [];
  const recordingDir = tempDir('web-recording');
  let jobA = '';
  let samples: string[][] = [];
  let sampler: NodeJS.Timeout | undefined;
  let navigations = 0;
  let live: Page;
  let liveId = '';

  const watch = (p: Page) => {
    p.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    p.on('console', (msg) => {
      // The seeded job names a commit its repository lacks: the diff route's 409 is logged by Chromium, and the page says so (asserted below).
      if (msg.text().includes('status of 409') && msg.location().url.endsWith('/tasks/t1/diff')) return;
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    p.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
  };

  beforeAll(async () => {
    build = buildWeb();
    mkdirSync(ARTIFACTS, { recursive: true });
    const model = { provider: 'replay', path: combinedRecording(recordingDir.path) };
    daemon = await startTestDaemon({ gpu: 'cpu', retryBaseMs: 50, maxRetries: 1, acceptanceRounds: 3, models: { master: model, worker: model } });
    seedHostileJob(daemon.home, HOSTILE_ID);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    watch(page);
  }, 120_000);

  afterAll(async () => {
    clearInterval(sampler);
    await browser?.close();
    await daemon?.cleanup();
    recordingDir.cleanup();
  });

  it('refuses the page and the API to a request without a session, and a spent or made-up login code', async () => {
    const home = await fetch(`${daemon.apiUrl}/`);
    expect(home.status).toBe(401);
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(home.headers.get('referrer-policy')).toBe('no-referrer');
    expect(home.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${daemon.apiUrl}/jobs`)).status).toBe(401);
    expect((await fetch(`${daemon.apiUrl}/web/login?code=made-up`, { redirect: 'manual' })).status).toBe(401);
    // Only the token mints login codes.
    expect((await fetch(`${daemon.apiUrl}/web/login-codes`, { method: 'POST' })).status).toBe(401);
    // The page's code holds no data and is served to anyone on loopback; another Host is refused as for the API.
    expect((await fetch(`${daemon.apiUrl}/web/assets/app.js`)).status).toBe(200);
    expect(await getWithHost(`${daemon.apiUrl}/web/assets/app.js`, 'evil.example')).toBe(421);
    expect(await getWithHost(`${daemon.apiUrl}/`, `evil.example:${new URL(daemon.apiUrl).port}`)).toBe(421);
  });

  it('logs in through autodev open --no-browser --json: a one-time link, then an HttpOnly SameSite=Strict cookie', async () => {
    const cli = await runCli(['open', '--no-browser', '--json', '--home', daemon.home]);
    expect(cli.code, cli.stderr).toBe(0);
    const link = WebLoginLink.parse(JSON.parse(cli.stdout));
    expect(JSON.parse(cli.stdout).opened).toBe(false);
    expect(link.url).not.toContain(daemon.token);
    const started = Date.now();
    await page.goto(link.url);
    await page.locator('table.jobs, section p.muted').first().waitFor();
    const firstLoadMs = Date.now() - started;
    expect(new URL(page.url()).pathname).toBe('/');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.value).not.toBe(daemon.token);
    // Spent: the same link logs nobody else in.
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(401);
    const timing = await inPage<{ domContentLoadedMs: number; loadMs: number; resources: number }>(
      page,
      `(() => { const nav = performance.getEntriesByType('navigation')[0]; return { domContentLoadedMs: nav ? nav.domContentLoadedEventEnd : -1, loadMs: nav ? nav.loadEventEnd : -1, resources: performance.getEntriesByType('resource').length }; })()`,
    );
    writeFileSync(join(ARTIFACTS, 'first-load.json'), JSON.stringify({ firstLoadMs, ...timing, bundle: build }, null, 2));
    expect(timing.loadMs).toBeGreaterThan(0);
  });

  it('refuses a session on routes the page does not use, and cross-origin state changes', async () => {
    const cookie = (await context.cookies())[0];
    const session = `${cookie?.name}=${cookie?.value}`;
    const host = new URL(daemon.apiUrl).host;
    expect((await fetch(`${daemon.apiUrl}/jobs`, { headers: { cookie: session } })).status).toBe(200);
    expect((await fetch(`${daemon.apiUrl}/nats/credentials/worker`, { headers: { cookie: session } })).status).toBe(403);
    expect((await fetch(`${daemon.apiUrl}/web/login-codes`, { method: 'POST', headers: { cookie: session, origin: `http://${host}` } })).status).toBe(403);
    const post = (origin: string | null, site?: string) =>
      fetch(`${daemon.apiUrl}/jobs`, {
        method: 'POST',
        headers: { cookie: session, 'content-type': 'application/json', ...(origin ? { origin } : {}), ...(site ? { 'sec-fetch-site': site } : {}) },
        body: JSON.stringify({ prompt: 'forged' }),
      });
    expect((await post('http://evil.example')).status).toBe(403);
    expect((await post('http://127.0.0.1:1')).status).toBe(403);
    expect((await post(null)).status).toBe(403);
    expect((await post(`http://${host}`, 'cross-site')).status).toBe(403);
    const list = (await (await daemon.api('/jobs')).json()) as { jobs: Array<{ prompt: string }> };
    expect(list.jobs.some((j) => j.prompt === 'forged')).toBe(false);
  });

  it('submits a job from the page with a spec file, and opens its live view', async () => {
    await page.locator('#prompt').fill(PROMPT);
    await page.locator('#spec').setInputFiles(SPEC_FILE);
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\/[a-z0-9_-]+$/);
    jobA = page.url().split('#/jobs/')[1] ?? '';
    expect(jobA).not.toBe('');
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    // What the graph shows, sampled while the job runs: it must change with no reload.
    sampler = setInterval(() => {
      void inPage<string[]>(page, `[...document.querySelectorAll('#graph .node')].map((n) => n.getAttribute('data-status') ?? '')`)
        .then((s) => samples.push(s))
        .catch(() => undefined);
    }, 300);
    await page.locator('#graph .node').first().waitFor({ timeout: 60_000 });
  }, 90_000);

  it('submits a job whose model answers are full of payloads from a second page, and follows it live', async () => {
    live = await context.newPage();
    watch(live);
    await live.goto(`${daemon.apiUrl}/`);
    await live.locator('#prompt').fill(`Build a greeting app. ${HOSTILE_LIVE_MARKER} ${HOSTILE}`);
    await live.getByRole('button', { name: 'Submit job' }).click();
    await live.waitForURL(/#\/jobs\//);
    liveId = live.url().split('#/jobs/')[1] ?? '';
    expect(liveId).not.toBe(jobA);
    // Opened while the task runs: its diff is asked for again when its commit lands.
    await live.locator('#tasks details[data-task="t1"] > summary').click();
    // The job runs on beside job A; the test after job A's checks what reached this page.
  }, 60_000);

  it('cancels a second job, running beside the first, from its page', async () => {
    const second = await context.newPage();
    watch(second);
    await second.goto(`${daemon.apiUrl}/`);
    await second.locator('#prompt').fill(`${PROMPT}\n\nA note: ${HOSTILE}`);
    await second.locator('#spec').setInputFiles(SPEC_FILE);
    await second.getByRole('button', { name: 'Submit job' }).click();
    await second.waitForURL(/#\/jobs\//);
    const id = second.url().split('#/jobs/')[1] ?? '';
    expect(id).not.toBe(jobA);
    await second.getByRole('button', { name: 'Cancel job' }).click();
    await second.getByRole('button', { name: 'Yes, cancel the job' }).click();
    await second.locator('#job-status[data-status="cancelled"]').waitFor({ timeout: 30_000 });
    const view = (await (await daemon.api(`/jobs/${id}`)).json()) as { status: string };
    expect(view.status).toBe('cancelled');
    // The hostile note in its prompt is on the page as text.
    expect(await second.locator('#job-prompt').textContent()).toContain(HOSTILE);
    await second.close();
  }, 90_000);

  it('shows the graph fill in live until the job is completed, then the acceptance table', async () => {
    await page.locator('#job-status[data-status="completed"]').waitFor({ timeout: 400_000 });
    clearInterval(sampler);
    await page.waitForTimeout(500);
    const final = await page.locator('#graph .node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-status')));
    expect(final.length).toBeGreaterThanOrEqual(7);
    expect(final.every((s) => s === 'completed')).toBe(true);
    // Seen part-done, with no reload: the page followed the events.
    expect(samples.some((s) => s.length > 0 && s.some((x) => x !== 'completed'))).toBe(true);
    expect(navigations).toBe(0);
    const rows = page.locator('#acceptance table.checks tbody tr');
    await rows.first().waitFor();
    const total = await rows.count();
    expect(total).toBeGreaterThan(20);
    expect(await page.locator('#acceptance tbody tr[data-status="passed"]').count()).toBe(total);
    // The filter shows failed checks only: there are none.
    await page.locator('#check-filter').selectOption('failed');
    expect(await rows.count()).toBe(0);
    await page.locator('#check-filter').selectOption('all');
    // The round's app: how it was set up, and its own output.
    await page.locator('#app-log [data-step="start"]').waitFor();
    expect(await page.locator('#app-log [data-step="start"] .badge').textContent()).toContain('passed');
    await page.screenshot({ path: join(ARTIFACTS, 'job-graph.png') });
    await inPage(page, `document.getElementById('acceptance').scrollIntoView()`);
    await page.screenshot({ path: join(ARTIFACTS, 'acceptance-table.png') });
    // A task's diff, as the API answers it.
    const diff = (await (await daemon.api(`/jobs/${jobA}/tasks/t2/diff`)).json()) as { state: string; files: Array<{ path: string }> };
    expect(diff.state).toBe('committed');
    await page.locator('#tasks details[data-task="t2"] > summary').click();
    const files = page.locator('#tasks details[data-task="t2"] .diff-file');
    await files.first().waitFor();
    expect(await files.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-file')))).toEqual(diff.files.map((f) => f.path));
    await page.locator('#tasks details[data-task="t2"]').screenshot({ path: join(ARTIFACTS, 'task-diff.png') });
    await page.locator('#plots').screenshot({ path: join(ARTIFACTS, 'plots.png') });
  }, 420_000);

  it('showed every payload of the live job as text, and ran none of them', async () => {
    const id = liveId;
    await live.locator('#job-status[data-status="completed"]').waitFor({ timeout: 120_000 });
    await live.locator('#tasks .diff-file[data-file="hello.txt"]').waitFor();
    await live.locator('#app-log .app-output').waitFor();
    const text = (await live.locator('main').textContent()) ?? '';
    for (const payload of [...LIVE_PAYLOADS, HOSTILE]) expect(text).toContain(payload);
    expect(await live.locator('#tasks .diff-file[data-file="hello.txt"] .diff-add').textContent()).toBe(`+<img src=x onerror="window.__pwned='file-content'"> javascript:window.__pwned='file-content-link'\n`);
    expect(await live.locator('#app-log .app-output').textContent()).toContain("window.__pwned='app-log'");
    const dom = await probeDom(live);
    expect(dom.pwned).toBeNull();
    expect(dom.scripts).toEqual([`${daemon.apiUrl}/web/assets/app.js`]);
    expect(dom.images).toBe(0);
    expect(dom.links.every((href) => href.startsWith('#/'))).toBe(true);
    expect(dom.handlers).toEqual([]);
    // The plots count what the daemon counts: the failed attempt's tokens, then the committed one's.
    const view = (await (await daemon.api(`/jobs/${id}`)).json()) as { tasks: Array<{ id: string; tokensUsed: number }> };
    const tokensRow = live.locator('#plots figure').first().locator('tbody tr');
    expect(await tokensRow.locator('td').nth(1).textContent()).toBe(view.tasks[0]?.tokensUsed.toLocaleString('en-US'));
    expect(await live.locator('#plots svg[aria-label^="Model time against machinery time"] .bar-value').first().textContent()).toMatch(/^[\d,]+ \+ [\d,]+ ms$/);
    expect(problems).toEqual([]);
    await live.close();
  }, 150_000);

  it('lists the jobs, works from the keyboard and fits a narrow window', async () => {
    await page.goto(`${daemon.apiUrl}/#/`);
    await page.locator(`tr[data-job="${jobA}"]`).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'job-list.png') });
    // Tab to the finished job's link and open it with Enter.
    let focused = '';
    for (let i = 0; i < 30 && focused !== `#/jobs/${jobA}`; i++) {
      await page.keyboard.press('Tab');
      focused = await inPage<string>(page, `document.activeElement?.getAttribute('href') ?? ''`);
    }
    expect(focused).toBe(`#/jobs/${jobA}`);
    await page.keyboard.press('Enter');
    await page.locator('#job-status[data-status="completed"]').waitFor();
    await page.setViewportSize({ width: 400, height: 800 });
    const wide = await inPage<string[]>(
      page,
      `[...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-scroll, .graph-scroll, .events, pre')).map((el) => el.tagName + '.' + el.className)`,
    );
    expect(wide).toEqual([]);
    expect(await inPage<number>(page, 'document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 60_000);

  it('shows a job full of <script> and javascript: payloads as text, and runs none of it', async () => {
    await page.goto(`${daemon.apiUrl}/#/jobs/${HOSTILE_ID}`);
    await page.locator('#job-status[data-status="failed"]').waitFor();
    await page.locator('#tasks details').first().click();
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain(HOSTILE);
    expect(text).toContain(HOSTILE_FILE);
    // Its commit is not in its (missing) repository: the diff panel says so, as text.
    await page.locator('#tasks .diff-panel .error').waitFor();
    const dom = await probeDom(page);
    expect(dom.pwned).toBeNull();
    expect(dom.scripts).toEqual([`${daemon.apiUrl}/web/assets/app.js`]);
    expect(dom.images).toBe(0);
    expect(dom.links.every((href) => href.startsWith('#/'))).toBe(true);
    expect(dom.handlers).toEqual([]);
    expect(problems).toEqual([]);
  });
});
