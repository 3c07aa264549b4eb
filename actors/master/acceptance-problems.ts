import type { AcceptanceCheckResult, AcceptanceFailure, AcceptanceReport, ValidationFailure } from '../../proto/index.js';

/**
 * What a fix task is told about one failure: the request sent, what was
 * expected, what came back, and the log that explains it. The app's answers
 * are generated code's output, so every part is cut to a bounded size.
 */
const BODY_CHARS = 600;
const LOG_CHARS = 1500;

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}…`);

function bodyOf(body: unknown): string {
  if (body === undefined) return '';
  try {
    return ` ${cut(typeof body === 'string' ? body : JSON.stringify(body), BODY_CHARS)}`;
  } catch {
    return ' (a body that is not JSON)';
  }
}

export function describeCheckFailure(check: AcceptanceCheckResult): string {
  const { expected, actual } = check;
  const lines = [`acceptance check ${check.id} (${check.kind}: ${check.title}) failed: ${actual.problem ?? 'see below'}`];
  if (check.request) lines.push(`  request: ${check.request.method} ${check.request.path}${bodyOf(check.request.body)}`);
  const media = [expected.contentType, expected.schema ? `schema ${expected.schema}` : null].filter((p) => p !== null).join(', ');
  lines.push(`  expected: ${expected.status}${media ? ` (${media})` : ''}; ${expected.detail}`);
  if (check.kind === 'server_starts') {
    lines.push(`  the app's log at step ${actual.step}:\n${cut(actual.bodyExcerpt, LOG_CHARS)}`);
  } else {
    const status = actual.status === null ? 'no answer' : `${actual.status}${actual.contentType ? ` ${actual.contentType}` : ''}`;
    lines.push(`  actual (step "${actual.step}"): ${status}${actual.bodyExcerpt ? `, body: ${cut(actual.bodyExcerpt, BODY_CHARS)}` : ''}`);
    if (actual.schemaErrors.length > 0) lines.push(`  schema errors: ${actual.schemaErrors.slice(0, 5).join('; ')}`);
  }
  return lines.join('\n');
}

/** The step that stopped the app from being set up, with its log: why it cannot start, never just that it cannot. */
export function describeSetupFailure(report: AcceptanceReport): string | null {
  const failed = report.app?.steps.find((s) => s.status === 'failed');
  if (!failed) return null;
  return `setting the app up failed at "${failed.name}": ${failed.reason ?? 'see the log'}\n  log:\n${cut(failed.logExcerpt, LOG_CHARS)}`;
}

/** The end of the app's own output while the checks ran, for fixes of checks that failed against it. */
export function describeAppLog(report: AcceptanceReport): string | null {
  const log = report.app?.logExcerpt.trim() ?? '';
  return log ? `the app's log while the checks ran ends with:\n${cut(log.slice(-LOG_CHARS), LOG_CHARS)}` : null;
}

export function describeTestFailure(failure: ValidationFailure): string {
  const where = failure.file ? `${failure.file}${failure.line ? `:${failure.line}` : ''}: ` : '';
  return `project test failed (${failure.stage}): ${where}${failure.message}${failure.logExcerpt ? `\n  output:\n${cut(failure.logExcerpt, LOG_CHARS)}` : ''}`;
}

/** Failed checks first, then blocked ones (naming their root cause), then unverified ones, at most `max`: what `status` and the job record carry. */
export function failuresOf(checks: readonly AcceptanceCheckResult[], max = 50): AcceptanceFailure[] {
  const pick = (status: AcceptanceFailure['status']) =>
    checks
      .filter((c) => c.status === status)
      .map((c) => ({
        id: c.id,
        operationId: c.operationId,
        kind: c.kind,
        title: c.title,
        status,
        ...(c.rootCause !== undefined ? { rootCause: c.rootCause } : {}),
        problem: cut(c.actual.problem ?? `${status}`, 500),
      }));
  return [...pick('failed'), ...pick('blocked'), ...pick('unverified')].slice(0, max);
}

/** What a root cause's fix is told about the checks its bug blocked: fixing it unblocks them, so they are named once, with it. */
export function describeBlocked(blocked: readonly string[]): string {
  const shown = blocked.slice(0, 10).join(', ');
  return `  it also blocks ${blocked.length} other check(s), whose setup needs this call to work: ${shown}${blocked.length > 10 ? ', …' : ''}`;
}
