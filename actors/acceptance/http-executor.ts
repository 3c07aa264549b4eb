// This module runs inside the sandbox as well as in the daemon, copied there
// next to in-sandbox-runner.js: it may import only node: builtins and types.
import type { AcceptanceCheck, JudgeAuth, ParamValue, RequestTemplate } from '../../proto/index.js';
import { chooseCredentials, withCredentials } from './credential-placement.js';
import { encodeForm } from './form-encoding.js';

/** A response body is kept up to this size; a bigger one is cut and marked, and not judged. */
export const MAX_BODY_BYTES = 64 * 1024;
/** All bodies together: the runner's report must fit the sandbox's output limit. */
export const MAX_TOTAL_BODY_BYTES = 512 * 1024;

export interface SentView {
  method: string;
  /** Path and query, ids filled in. */
  path: string;
  /** The body as sent, when there was one. */
  body: string | null;
  /** The credentials sent, as placeholders; absent when none. Their values are never in a view. */
  credentials?: string[];
}

export interface ResponseView {
  status: number;
  contentType: string | null;
  body: string;
  truncated: boolean;
}

/** What happened to one step: the raw facts, judged later against the step's expectation. */
export interface StepOutcome {
  sent: SentView | null;
  response: ResponseView | null;
  /** Why there is no response: the connection failed, or the step could not run (an id was never captured). */
  error: string | null;
  captured: Record<string, string | number>;
  durationMs: number;
}

export interface CheckOutcome {
  id: string;
  steps: StepOutcome[];
}

export interface ExecuteOptions {
  requestTimeoutMs?: number;
  /** Stop sending (remaining steps report why) after this time. */
  deadline?: number;
  /** The credentials steps name, by scheme. */
  auth?: JudgeAuth;
}

/**
 * Sends every check's steps, in order, against `baseUrl`. Ids captured from
 * a response feed the later steps of the same check. Nothing is judged here:
 * the outcomes go back to the daemon, which validates them.
 */
export async function executeChecks(checks: readonly AcceptanceCheck[], baseUrl: string, options: ExecuteOptions = {}): Promise<CheckOutcome[]> {
  const budget = { left: MAX_TOTAL_BODY_BYTES };
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    const vars: Record<string, string | number> = {};
    const steps: StepOutcome[] = [];
    for (const step of check.steps) {
      if (options.deadline !== undefined && Date.now() > options.deadline) {
        steps.push(notRun('not sent: the acceptance run ran out of time'));
        break;
      }
      const resolved = resolveRequest(step.request, vars);
      if (typeof resolved === 'string') {
        steps.push(notRun(resolved));
        break;
      }
      // The daemon plans no check whose credentials are missing; should one come, it goes without rather than with the wrong ones.
      const credentials = withCredentials(resolved.path, resolved.headers, chooseCredentials(step.security, options.auth) ?? []);
      const outcome = await send(baseUrl, { ...resolved, path: credentials.path, headers: credentials.headers }, options.requestTimeoutMs ?? 10_000, budget, {
        path: credentials.shownPath,
        credentials: credentials.shown,
      });
      // Ids come from successes only (an error body's id names nothing created), and from the place documented for that status.
      const status = outcome.response?.status ?? 0;
      for (const capture of step.capture) {
        if (status < 200 || status > 299 || (capture.status !== undefined && capture.status !== status)) continue;
        const value = outcome.response ? pointerValue(outcome.response.body, capture.pointer) : undefined;
        if (typeof value === 'string' || typeof value === 'number') {
          vars[capture.var] = value;
          outcome.captured[capture.var] = value;
        }
      }
      steps.push(outcome);
    }
    outcomes.push({ id: check.id, steps });
  }
  return outcomes;
}

const notRun = (error: string): StepOutcome => ({ sent: null, response: null, error, captured: {}, durationMs: 0 });

interface Resolved {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  /** The body as a report shows it: a form's files by name and size only. */
  shownBody: string | null;
}

/** The request with ids filled in, or why it cannot be sent. */
export function resolveRequest(request: RequestTemplate, vars: Record<string, string | number>): Resolved | string {
  const value = (p: ParamValue): string | null => {
    if ('value' in p) return p.value;
    const v = vars[p.var];
    return v === undefined ? null : String(v);
  };
  let missing: string | null = null;
  const path = request.path.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const p = request.pathParams[name];
    const v = p ? value(p) : null;
    if (v === null) {
      missing ??= p && 'var' in p ? `not sent: no id was captured for {${name}} (an earlier step failed)` : `not sent: no value for {${name}}`;
      return whole;
    }
    return encodeURIComponent(v);
  });
  const query = new URLSearchParams();
  for (const [name, p] of Object.entries(request.query)) {
    const v = value(p);
    if (v === null) missing ??= `not sent: no id was captured for the query parameter ${name}`;
    else query.append(name, v);
  }
  if (missing) return missing;
  const headers = { ...request.headers };
  let body: string | Uint8Array | null = null;
  let shownBody: string | null = null;
  if (request.body?.kind === 'form') {
    const form = encodeForm(request.body.encoding, request.body.parts);
    body = form.bytes;
    shownBody = form.shown;
    headers['content-type'] = form.contentType;
  } else if (request.body?.kind === 'json') {
    body = JSON.stringify(request.body.value);
    headers['content-type'] = 'application/json';
  } else if (request.body?.kind === 'raw') {
    body = request.body.text;
    headers['content-type'] = request.body.contentType;
  }
  const search = query.toString();
  return { method: request.method.toUpperCase(), path: search ? `${path}?${search}` : path, headers, body, shownBody: shownBody ?? (typeof body === 'string' ? body : null) };
}

async function send(baseUrl: string, request: Resolved, timeoutMs: number, budget: { left: number }, shown: { path: string; credentials: string[] }): Promise<StepOutcome> {
  const started = Date.now();
  const sent: SentView = { method: request.method, path: shown.path, body: request.shownBody, ...(shown.credentials.length > 0 ? { credentials: shown.credentials } : {}) };
  try {
    const res = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== null ? { body: request.body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const { text, truncated } = await readCapped(res, Math.min(MAX_BODY_BYTES, Math.max(0, budget.left)));
    budget.left -= text.length;
    const response: ResponseView = { status: res.status, contentType: res.headers.get('content-type'), body: text, truncated };
    return { sent, response, error: null, captured: {}, durationMs: Date.now() - started };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const message = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${error instanceof Error ? error.message : String(error)}${cause}`;
    return { sent, response: null, error: message, captured: {}, durationMs: Date.now() - started };
  }
}

/** Reads at most `limit` bytes, so an app that streams forever cannot exhaust the checker's memory. */
async function readCapped(res: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/** The value at a JSON pointer in a JSON text; undefined when the text is not JSON or the pointer leads nowhere. */
export function pointerValue(text: string, pointer: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return pointerIn(value, pointer);
}

export function pointerIn(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let current = value;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (isRecord(current) && Object.hasOwn(current, key)) current = current[key];
    else return undefined;
  }
  return current;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
