/**
 * The trailers at the end of a task's commit message. Tools, tests and crash
 * recovery map commits back to tasks through them, so they are written and
 * parsed here only.
 */
export interface TaskTrailers {
  Job: string;
  Task: string;
  Role: string;
  Attempt: string;
  /** `passed`, or `<n> issue(s)`: what validating this commit's own tree found. */
  Validation: string;
}

const TRAILER_ORDER: ReadonlyArray<keyof TaskTrailers> = ['Job', 'Task', 'Role', 'Attempt', 'Validation'];

export function formatTrailers(trailers: TaskTrailers): string {
  return TRAILER_ORDER.map((key) => `${key}: ${trailers[key].replace(/\s+/g, ' ')}`).join('\n');
}

/** Reads `Key: value` trailers from the end of a commit message. */
export function parseTrailers(message: string): Record<string, string> {
  const trailers: Record<string, string> = {};
  for (const line of message.trimEnd().split('\n').reverse()) {
    const match = /^([A-Za-z-]+): (.+)$/.exec(line);
    if (!match) break;
    trailers[match[1] as string] = match[2] as string;
  }
  return trailers;
}

export function validationTrailer(report: { passed: boolean; issues: readonly unknown[] }): string {
  return report.passed ? 'passed' : `${report.issues.length} issue(s)`;
}
