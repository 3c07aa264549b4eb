import type { ValidationFailure, ValidationStageName } from '../../proto/index.js';
import { excerpt, excerptAround } from '../sandbox-app/excerpt.js';

/**
 * Paths in tool output appear as the sandbox saw them (/workspace/…) or as the
 * host did (the workspace's own path), sometimes as file:// URLs; the fix task
 * needs them relative to the project.
 */
export function projectPath(raw: string, hostRoot: string): string {
  let path = raw.replace(/^file:\/\//, '');
  for (const root of [hostRoot.replace(/\/$/, ''), '/workspace']) {
    if (path.startsWith(`${root}/`)) path = path.slice(root.length + 1);
  }
  return path.replace(/^\.\//, '');
}

const LOCATION_RE = /((?:file:\/\/)?[\w@./-]*?\.(?:m|c)?[jt]sx?):(\d+)(?::\d+)?/g;

/** The first `path:line` in `text` that names one of the project's files. */
export function firstProjectLocation(text: string, hostRoot: string, known: ReadonlySet<string>): { file: string; line: number } | null {
  for (const match of text.matchAll(LOCATION_RE)) {
    const file = projectPath(match[1] as string, hostRoot);
    if (known.has(file)) return { file, line: Number(match[2]) };
  }
  return null;
}

/**
 * Failures in node:test's TAP output: one per `not ok` test that failed in its
 * own code (a parent failing only because a subtest did is not repeated). The
 * location prefers the first stack frame in the project, where the assertion
 * is, over the test's declaration.
 */
export function parseTapFailures(
  stage: ValidationStageName,
  output: string,
  hostRoot: string,
  known: ReadonlySet<string>,
): ValidationFailure[] {
  const lines = output.split('\n');
  const failures: ValidationFailure[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\s*)not ok \d+ - (.*)$/.exec(lines[i] as string);
    if (!head) continue;
    const indent = (head[1] as string).length;
    const block: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] as string;
      if (line.trim() === '...' && line.length - line.trimStart().length === indent + 2) break;
      block.push(line);
    }
    const body = block.join('\n');
    if (/failureType: 'subtestsFailed'/.test(body)) continue;
    const errorMatch = /error: (?:\|-\n)?([\s\S]*?)\n\s+(?:code|name|expected|actual|operator|stack):/.exec(body);
    const error = (errorMatch?.[1] ?? '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    const stack = /stack: \|-\n([\s\S]*)$/.exec(body)?.[1] ?? '';
    const location = firstProjectLocation(stack, hostRoot, known) ?? firstProjectLocation(body, hostRoot, known);
    failures.push({
      stage,
      file: location?.file ?? null,
      line: location?.line ?? null,
      message: `test "${head[2]}" failed${error ? `: ${error}` : ''}`.slice(0, 500),
      logExcerpt: excerptAround(output, i, 0, 20),
    });
  }
  return failures;
}

/** Any runner's output: one failure at the first project location, with the tail of the log. */
export function genericFailure(
  stage: ValidationStageName,
  output: string,
  hostRoot: string,
  known: ReadonlySet<string>,
  fallback: string,
): ValidationFailure {
  const location = firstProjectLocation(output, hostRoot, known);
  const message = output.split('\n').map((l) => l.trim()).find((l) => /(error|fail|expected|assert|✗|×)/i.test(l)) ?? fallback;
  return { stage, file: location?.file ?? null, line: location?.line ?? null, message: message.slice(0, 500), logExcerpt: excerpt(output) };
}

/** node:test's coverage table (`# all files | line | branch | funcs`) or istanbul's (`All files | stmts | branch | funcs | lines`). */
export function parseCoverage(output: string): Record<string, number> | null {
  const node = /^#\s*all files\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)/im.exec(output);
  if (node) return { lines: Number(node[1]), branches: Number(node[2]), functions: Number(node[3]) };
  const istanbul = /^\s*All files\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)/m.exec(output);
  if (istanbul) return { statements: Number(istanbul[1]), branches: Number(istanbul[2]), functions: Number(istanbul[3]), lines: Number(istanbul[4]) };
  return null;
}
