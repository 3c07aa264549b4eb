import type { z } from 'zod';
import { ProtocolError } from '../proto/errors.js';

/** The likely cause of an answer this CLI cannot read: a daemon from another version. */
const RESTART = 'this CLI and the running daemon may be different versions: restart the daemon (autodev daemon stop, then autodev daemon start)';

/**
 * Reads an NDJSON body and yields each line parsed with a proto/ schema. A
 * line that is not JSON or fails the schema is an error, not skipped: these
 * streams end with the one line that says how the operation ended.
 */
export async function* readNdjson<S extends z.ZodType>(body: ReadableStream<Uint8Array>, schema: S): AsyncIterable<z.output<S>> {
  const decoder = new TextDecoder();
  let buffer = '';
  const parse = (line: string): z.output<S> => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ProtocolError('internal', `the daemon sent a line that is not JSON; ${RESTART}`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new ProtocolError('internal', `the daemon sent an unexpected line (${parsed.error.issues[0]?.message ?? 'invalid'}); ${RESTART}`);
    return parsed.data;
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line) yield parse(line);
      }
    }
    const rest = (buffer + decoder.decode()).trim();
    if (rest) yield parse(rest);
  } finally {
    reader.releaseLock();
  }
}
