import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProtocolError } from '../proto/errors.js';
import { readNdjson } from './ndjson.js';

const Line = z.object({ n: z.number() });
const streamOf = (text: string) => new Blob([text]).stream();

async function readAll(text: string): Promise<unknown[]> {
  const lines: unknown[] = [];
  for await (const line of readNdjson(streamOf(text), Line)) lines.push(line);
  return lines;
}

describe('readNdjson, the reader of the daemon NDJSON answers', () => {
  it('yields each line parsed with its schema', async () => {
    expect(await readAll('{"n":1}\n{"n":2}\n')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('refuses a line that is not JSON or breaks the schema, and says to restart a daemon of another version', async () => {
    for (const text of ['{"n":1}\nnot json\n', '{"n":"one"}\n']) {
      const error = await readAll(text).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).message).toContain('restart the daemon (autodev daemon stop, then autodev daemon start)');
    }
  });
});
