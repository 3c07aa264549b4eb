import { JudgeResult } from '../../proto/index.js';
import type { SandboxResult } from '../sandbox/sandbox.js';
import { RESULT_MARKER } from './runner-protocol.js';

/**
 * The judge's verdict, or why there is none. It counts only when the judge
 * ended on its own with exit 0 and printed exactly one result line: a judge
 * that was killed, timed out, ran out of memory or said nothing leaves every
 * check unverified, never the last line it happened to print.
 */
export function parseJudgeRun(run: SandboxResult): JudgeResult | string {
  if (run.aborted) return 'the checker was stopped before it finished';
  if (run.timedOut) return 'the checker did not finish in time';
  if (run.oomKilled) return 'the checker ran out of memory';
  if (run.exitCode !== 0) return `the checker exited with ${run.exitCode}${run.exitCode === 137 ? ' (killed)' : ''}`;
  const lines = run.stdout.split('\n').filter((l) => l.startsWith(RESULT_MARKER));
  if (lines.length === 0) return 'the checker printed no result';
  if (lines.length > 1) return 'the checker printed more than one result';
  let raw: unknown;
  try {
    raw = JSON.parse((lines[0] ?? '').slice(RESULT_MARKER.length));
  } catch {
    return 'the checker printed a result that is not JSON (cut short by the output limit?)';
  }
  const parsed = JudgeResult.safeParse(raw);
  return parsed.success ? parsed.data : `the checker's result does not have the expected shape: ${parsed.error.issues[0]?.message ?? 'unknown'}`;
}
