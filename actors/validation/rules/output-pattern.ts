import { runInNewContext } from 'node:vm';

const MATCH_TIMEOUT_MS = 500;
const MAX_MATCHED_CHARS = 64 * 1024;

export type PatternOutcome = { kind: 'matched' } | { kind: 'not_matched' } | { kind: 'invalid'; why: string } | { kind: 'too_slow' };

/**
 * Tests a rule's `stdoutMatches` against a command's output. The pattern was
 * written by a model and the output by generated code, so together they can
 * make a regular expression backtrack for minutes: the match runs in a vm
 * context whose timeout interrupts it, on the output's last 64 KiB.
 */
export function matchOutput(pattern: string, output: string): PatternOutcome {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'm');
  } catch (error) {
    return { kind: 'invalid', why: error instanceof Error ? error.message : String(error) };
  }
  const text = output.length > MAX_MATCHED_CHARS ? output.slice(-MAX_MATCHED_CHARS) : output;
  try {
    const matched: unknown = runInNewContext('re.test(text)', { re, text }, { timeout: MATCH_TIMEOUT_MS });
    return matched === true ? { kind: 'matched' } : { kind: 'not_matched' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { kind: 'too_slow' };
    throw error;
  }
}
