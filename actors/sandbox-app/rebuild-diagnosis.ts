import type { SandboxBackendName } from '../sandbox/sandbox.js';

/** Why `npm rebuild` could not build a native module, in words a fix task can act on. */
export interface RebuildDiagnosis {
  /** The package whose install script failed, when npm names it. */
  packageName: string | null;
  /** One sentence: what was missing or which error the build stopped at. */
  cause: string;
  /** The log line the cause was read from (0-based, in the cleaned log), to centre the excerpt on. */
  line: number;
}

export interface DiagnosisContext {
  backend: SandboxBackendName;
  /** Why no Node headers were offered to node-gyp, when none were. */
  headersProblem: string | null;
}

/** npm prefixes every line of a failed script's output; node-gyp's chatter says nothing about the failure. */
const NPM_PREFIX = /^npm (?:error|ERR!|warn|WARN) ?/;
const NOISE = /^gyp (?:info|verb|sill)\b|^gyp ERR! (?:stack +at |System |command |cwd |node -v|node-gyp -v|\$npm_package|not ok)/;
const MAX_CAUSE_CHARS = 300;

type Rule = (match: RegExpExecArray, context: DiagnosisContext) => string;

/**
 * The patterns, most specific first: a missing toolchain piece explains
 * every error after it, so it is named rather than the errors it caused.
 */
const RULES: Array<[RegExp, Rule]> = [
  [
    /^gyp http GET (\S+)|^gyp ERR! stack Error: (?:getaddrinfo|connect|request to)\b.*\b(?:EAI_AGAIN|ENOTFOUND|ECONNREFUSED|ENETUNREACH)\b/,
    (_m, c) => `node-gyp tried to download Node's headers, and the sandbox has no network: ${c.headersProblem ?? "it did not use the host's headers"}`,
  ],
  [/^gyp ERR! find Python\b/, (_m, c) => `${sandboxName(c)} has no Python for node-gyp (it needs python3 on PATH; install python3 on the host)`],
  [/^gyp ERR! stack Error: not found: (\S+)/, (m, c) => `${sandboxName(c)} has no ${m[1] ?? 'build tool'} for node-gyp (install ${m[1] === 'make' ? 'make' : m[1] ?? 'it'} on the host)`],
  [
    /No such file or directory: '([^']*?(?:g\+\+|c\+\+|gcc|clang\+*|\bcc))'|^make(?:\[\d+\])?: (\S*?(?:g\+\+|c\+\+|gcc|clang\+*|\bcc)): (?:No such file or directory|Command not found)|^(?:\/bin\/)?sh: (?:\d+: )?(\S*?(?:g\+\+|c\+\+|gcc|clang\+*|\bcc)): not found/,
    (m, c) => `${c.backend === 'docker' ? 'the sandbox image' : 'the sandbox'} has no C++ compiler: ${m[1] ?? m[2] ?? m[3] ?? 'g++'} was not found (it sees the host's /usr read-only; install g++ and make on the host)`,
  ],
  [
    /fatal error: ([^:\s]+\.h(?:pp)?): No such file or directory/,
    (m) => (/^(?:node|node_api|js_native_api|napi|v8|uv)\b/.test(m[1] ?? '') ? `Node's header ${m[1]} is missing from the headers node-gyp used` : `the header ${m[1]} is missing: a system library's development files are not installed on the host`),
  ],
  [/^(\S+?:\d+(?::\d+)?: (?:fatal )?error: .*)$/, (m) => `C++ compile error: ${m[1] ?? ''}`],
  [/^(?:\S*\bld(?:\.\w+)?: .*|.*undefined reference to .*)$/, (m) => `link error: ${m[0]}`],
  [/^gyp: (.*)$/, (m) => `gyp error: ${m[1] ?? ''}`],
];

/** The rebuild's output without npm's prefixes and node-gyp's progress lines. */
export function cleanRebuildLog(log: string): string[] {
  return log
    .split('\n')
    .map((line) => line.replace(NPM_PREFIX, '').trimEnd())
    .filter((line) => line.trim() !== '' && !NOISE.test(line));
}

/** Reads a failed `npm rebuild`'s log for the reason a native module did not build; null when it shows none. */
export function diagnoseRebuild(lines: readonly string[], context: DiagnosisContext): RebuildDiagnosis | null {
  const packageName = packageOf(lines);
  for (const [pattern, describe] of RULES) {
    for (const [index, line] of lines.entries()) {
      const match = pattern.exec(line);
      if (match) return { packageName, cause: clip(describe(match, context)), line: index };
    }
  }
  return null;
}

/** npm names the failed script's folder as `path …/node_modules/<name>` (or a linked folder: its last part). */
function packageOf(lines: readonly string[]): string | null {
  for (const line of lines) {
    const path = /^path (\S+)$/.exec(line)?.[1];
    if (!path) continue;
    const scoped = /node_modules\/((?:@[^/]+\/)?[^/]+)\/?$/.exec(path)?.[1];
    return scoped ?? path.split('/').filter(Boolean).at(-1) ?? null;
  }
  return null;
}

const sandboxName = (c: DiagnosisContext) => (c.backend === 'docker' ? 'the sandbox image' : 'the sandbox');
const clip = (text: string) => (text.length > MAX_CAUSE_CHARS ? `${text.slice(0, MAX_CAUSE_CHARS - 3)}...` : text);
