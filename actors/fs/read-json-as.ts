import { readFile } from 'node:fs/promises';
import type { z } from 'zod';

/**
 * A JSON file the daemon wrote, read back and checked against its schema:
 * null when it cannot be read (not written yet), `{ ok: false }` when it is
 * not JSON or not of the schema. The caller says what that means; nothing
 * of the file's content goes into an error.
 */
export async function readJsonAs<T>(path: string, schema: z.ZodType<T>): Promise<{ ok: true; value: T } | { ok: false } | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
}
