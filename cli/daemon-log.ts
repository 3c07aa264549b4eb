import { open, stat } from 'node:fs/promises';
import { safeText } from './safe-text.js';

/** Enough for any one startup failure; a longer tail is noise from an earlier run. */
const MAX_READ_BYTES = 64 * 1024;
const MAX_REASON_CHARS = 600;
/** How Node reports an uncaught error: `SyntaxError: …`, `Error [ERR_MODULE_NOT_FOUND]: …`. */
const THROWN = /^[A-Z]\w*(Error|Exception)( \[\w+\])?: /;

/** The log's size now: what a daemon started next writes comes after it. */
export async function logOffset(file: string): Promise<number> {
  return stat(file).then((s) => s.size, () => 0);
}

/**
 * Why a daemon that exited while starting did so, from what it wrote to
 * daemon.log after `offset` (its own run, not an earlier one's): the last
 * `autodevd: …` line (main.ts writes the fatal reason so), else the last
 * JSON log line at level error, else the error Node reported for a crash,
 * else the last line that is not a stack frame. Null when it wrote
 * nothing. Made safe to print: the log may hold any text.
 */
export async function startupFailure(file: string, offset: number): Promise<string | null> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(offset, size - MAX_READ_BYTES);
      const buffer = Buffer.alloc(Math.max(0, size - start));
      await handle.read(buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const latest = [...lines].reverse();
  const reason =
    latest.find((l) => l.startsWith('autodevd: ')) ??
    lastError(lines) ??
    // A crash before the logger existed: Node's own report, whose last lines are stack frames and its version.
    latest.find((l) => THROWN.test(l)) ??
    latest.find((l) => !l.startsWith('at ') && !/^Node\.js v\d/.test(l));
  if (reason === undefined) return null;
  const shown = safeText(reason.replace(/^autodevd: /, ''));
  return shown.length > MAX_REASON_CHARS ? `${shown.slice(0, MAX_REASON_CHARS)}…` : shown;
}

function lastError(lines: readonly string[]): string | undefined {
  for (const line of [...lines].reverse()) {
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown; error?: unknown };
      if (entry.level === 'error' && typeof entry.msg === 'string') return typeof entry.error === 'string' ? `${entry.msg}: ${entry.error.split('\n')[0]}` : entry.msg;
    } catch {
      // Not a JSON log line: a Node warning or a stack frame.
    }
  }
  return undefined;
}
