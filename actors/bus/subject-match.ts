/**
 * NATS subject rules, for the in-memory twins: tokens are separated by dots
 * and never empty; `*` stands for exactly one token and `>` for one or more
 * trailing tokens, and both are only valid as whole tokens in a filter.
 */

/** Throws, naming the subject, when it is not a valid subject (or filter, when `wildcards` is set). */
export function checkSubject(subject: string, options: { wildcards: boolean }): void {
  const tokens = subject.split('.');
  const problem =
    subject.length === 0 || tokens.some((t) => t.length === 0)
      ? 'has an empty token'
      : /\s/.test(subject)
        ? 'contains white space'
        : !options.wildcards && tokens.some((t) => t === '*' || t === '>')
          ? 'contains a wildcard, which only subscriptions may use'
          : tokens.some((t) => t !== '*' && t !== '>' && /[*>]/.test(t))
            ? "uses '*' or '>' inside a token; wildcards must be whole tokens"
            : tokens.slice(0, -1).includes('>')
              ? "has '>' before its last token"
              : null;
  if (problem) throw new TypeError(`invalid NATS subject "${subject}": it ${problem}`);
}

/** Whether `subject` (no wildcards) is matched by `filter`, as a NATS server decides. */
export function subjectMatches(filter: string, subject: string): boolean {
  const want = filter.split('.');
  const got = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    const token = want[i];
    if (token === '>') return got.length > i;
    if (i >= got.length) return false;
    if (token !== '*' && token !== got[i]) return false;
  }
  return want.length === got.length;
}
