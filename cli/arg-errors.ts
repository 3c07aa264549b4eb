import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Edit distance, swapped neighbours counting as one edit ("wiat" for "wait"): typos are a letter or two off. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1];
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (same ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(a.length, b.length);
}

/** The known word nearest to `typed`, when it is near enough to be what the user meant. */
export function closest(typed: string, known: readonly string[]): string | null {
  let best: { word: string; d: number } | null = null;
  for (const word of known) {
    const d = distance(typed, word);
    if (!best || d < best.d) best = { word, d };
  }
  // Up to a third of the word wrong (at least one letter): further off, a suggestion misleads more than it helps.
  return best && best.d <= Math.max(1, Math.floor(Math.max(typed.length, best.word.length) / 3)) ? best.word : null;
}

/** The first argument before `--` that names no option of the command, as the user typed it. */
function unknownOption(args: readonly string[], options: Options): string | null {
  const shorts = new Set(Object.values(options).flatMap((o) => (o.short ? [o.short] : [])));
  for (const arg of args) {
    if (arg === '--') return null;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0] ?? '';
      if (!(name in options)) return arg.split('=')[0] ?? arg;
    } else if (arg.startsWith('-') && arg.length > 1) {
      // `-hj` is two short flags; the first unknown letter is the culprit.
      const letter = [...arg.slice(1)].find((c) => !shorts.has(c));
      if (letter !== undefined) return `-${letter}`;
    }
  }
  return null;
}

/**
 * Rewrites node:util parseArgs' errors, whose text is Node's (an unbalanced
 * quote, no suggestion), into one that says what is wrong and what to do.
 */
export function describeArgError(command: string, error: unknown, args: readonly string[], options: Options): string {
  const code = (error as { code?: unknown } | null)?.code;
  const help = `see: autodev ${command} --help`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const typed = unknownOption(args, options);
    if (typed !== null) {
      const suggestion = closest(typed.replace(/^-+/, ''), Object.keys(options));
      const hint = suggestion ? `did you mean --${suggestion}? ` : '';
      return `unknown option ${typed}; ${hint}${help} (an argument that starts with "-" goes after "--")`;
    }
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /'--?([^' ]+)/.exec((error as Error).message)?.[1];
    const option = name !== undefined ? options[name] : undefined;
    if (name !== undefined && option?.type === 'string') return `--${name} needs a value, as in --${name} VALUE; ${help}`;
    if (name !== undefined && option?.type === 'boolean') return `--${name} is a switch and takes no value; write --${name} alone; ${help}`;
  }
  return `${(error as Error).message}; ${help}`;
}
