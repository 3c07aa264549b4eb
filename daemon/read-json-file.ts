import { readFile, rename } from 'node:fs/promises';
import type { z } from 'zod';
import type { Logger } from '../actors/log/logger.js';

/**
 * A state file the daemon wrote, read back and validated. Null when there is
 * no file. A file that is not JSON or not of the schema is moved aside to
 * `<path>.broken-<ms>` (kept for a person to read, never overwritten) and
 * logged; the daemon then starts without it.
 */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>, log: Logger, what: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let problem: string;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    problem = parsed.error.message;
  } catch (error) {
    problem = `not JSON: ${String(error)}`;
  }
  const aside = `${path}.broken-${Date.now()}`;
  await rename(path, aside);
  log.error(`${what} are unreadable; starting without them`, { file: aside, problem, fix: 'read the moved file; what it held must be made again' });
  return null;
}
