/**
 * The rule grammar's globs (proto/rules.ts: letters, digits, _ . - / and *):
 * `*` stays within one folder, `**` spans any number of folders, including
 * none. Nothing else is special, so a glob from a model cannot be a pattern
 * that backtracks badly: each `*` becomes one lazy-free class repeat.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  const segments = glob.split('/');
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      // `a/**/b` matches a/b, a/x/b and a/x/y/b; a trailing `**` matches everything below.
      source += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    source += segment
      .split(/(\*+)/)
      .map((part) => (part.startsWith('*') ? '[^/]*' : part.replace(/[.\-]/g, (c) => `\\${c}`)))
      .join('');
    if (!last) source += '/';
  });
  return new RegExp(`^${source}$`);
}

/** Paths are relative with forward slashes, as the workspace reader gives them. */
export function matchGlob(glob: string, paths: readonly string[]): string[] {
  const pattern = globToRegExp(glob);
  return paths.filter((path) => pattern.test(path));
}
