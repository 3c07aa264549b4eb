// A sandbox run's output, cut to what a report or a fix prompt has room for.
// Shared by validation stages, the acceptance judge and the app's setup steps.

/** The last lines of a log, bounded, because a fix prompt has little room. */
export function excerpt(text: string, maxLines = 30, maxChars = 2000): string {
  const lines = text.trimEnd().split('\n');
  const tail = lines.slice(-maxLines).join('\n');
  return tail.length > maxChars ? tail.slice(tail.length - maxChars) : tail;
}

/** The lines around one line of a log. */
export function excerptAround(text: string, index: number, before = 5, after = 15): string {
  const lines = text.split('\n');
  return excerpt(lines.slice(Math.max(0, index - before), index + after).join('\n'), before + after);
}
