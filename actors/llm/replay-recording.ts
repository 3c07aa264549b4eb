import { readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ProtocolError } from '../../proto/index.js';
import { RECORDING_LIMITS, Recording, type RecordedAnswer } from '../../proto/recording.js';
import { isPathInside } from '../fs/path-inside.js';
import { readFileNoFollow } from '../fs/safe-write.js';

/** An answer with its file already read: text for generateText, a JSON value for generateJson. */
export type LoadedAnswer = { kind: 'text'; text: string } | { kind: 'json'; value: unknown };

export interface LoadedEntry {
  /** The `match` as written, for messages. */
  source: string;
  match: RegExp;
  attempts: LoadedAnswer[];
}

export interface LoadedRecording {
  /** The recording file's absolute path. */
  path: string;
  entries: LoadedEntry[];
}

/** Above any sane recording; a bigger file is a mistake, not a recording. */
const MAX_RECORDING_BYTES = 4 * 1024 * 1024;

function invalid(path: string, problem: string, cause?: unknown): ProtocolError {
  return new ProtocolError('model_unavailable', `replay recording ${path}: ${problem}`, undefined, cause === undefined ? {} : { cause });
}

/**
 * Reads and validates a recording, and reads every answer file it names, so
 * a broken recording fails when the model loads, naming the file and the
 * field, never halfway through a job. Answer files must lie in the
 * recording's folder: no `..`, no absolute path, no symlink on the way.
 */
export async function loadRecording(file: string): Promise<LoadedRecording> {
  const path = resolve(file);
  const raw = await readFile(path).catch((error: unknown) => {
    throw invalid(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); check models.<role>.path`, error);
  });
  if (raw.length > MAX_RECORDING_BYTES) throw invalid(path, `is ${raw.length} bytes, over the ${MAX_RECORDING_BYTES}-byte limit`);
  let document: unknown;
  try {
    document = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw invalid(path, `is not JSON: ${(error as Error).message}`, error);
  }
  const parsed = Recording.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : '(root)';
    throw invalid(path, `field ${field}: ${issue?.message ?? 'invalid'}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : ''}`);
  }
  const folder = await realpath(dirname(path));
  const entries: LoadedEntry[] = [];
  for (const [i, entry] of parsed.data.answers.entries()) {
    const attempts: LoadedAnswer[] = [];
    for (const [j, answer] of entry.attempts.entries()) attempts.push(await loadAnswer(path, folder, `answers.${i}.attempts.${j}`, answer));
    entries.push({ source: entry.match, match: new RegExp(entry.match, 'm'), attempts });
  }
  return { path, entries };
}

async function loadAnswer(path: string, folder: string, field: string, answer: RecordedAnswer): Promise<LoadedAnswer> {
  if (answer.json !== undefined) return { kind: 'json', value: answer.json };
  if (answer.text !== undefined) return { kind: 'text', text: answer.text };
  const relativePath = answer.textFile as string;
  const shown = `field ${field}.textFile "${relativePath}"`;
  // The folders on the way are resolved, then checked: a symlinked folder must not lead out of the recording's folder.
  const parent = await realpath(join(folder, dirname(relativePath))).catch(() => null);
  if (parent === null) throw invalid(path, `${shown}: its folder does not exist beside the recording`);
  if (!isPathInside(folder, parent)) throw invalid(path, `${shown}: leads out of the recording's folder ${folder} through a symlink`);
  const bytes = await readFileNoFollow(join(parent, basename(relativePath)));
  if (bytes === null) throw invalid(path, `${shown}: is missing, not a regular file, or a symlink (answer files are read without following links)`);
  if (bytes.length > RECORDING_LIMITS.maxTextChars * 4) throw invalid(path, `${shown}: is ${bytes.length} bytes, over the limit for one answer`);
  return { kind: 'text', text: bytes.toString('utf8') };
}
