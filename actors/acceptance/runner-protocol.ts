// Shared by the daemon and the judge: constants and types only, so the judge
// (which may import only node: builtins) can use it too. The schema that
// parses the judge's answer is proto/acceptance-runner.ts.
export type { JudgePlan, JudgeResult } from '../../proto/acceptance-runner.js';

/** Starts the one line that carries the judge's result on its own stdout. */
export const RESULT_MARKER = 'AUTODEV-ACCEPTANCE-RESULT ';
/** Left by runs before the judge moved out of the app's copy; never copied into a new one. */
export const RUNNER_DIR = '.autodev-acceptance';
