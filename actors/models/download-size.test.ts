import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../proto/index.js';
import { settleDownloadedFile } from './download-size.js';

const BODY = Buffer.from('GGUF'.repeat(1000));
/** What ipull 3.9 appends after a file's last byte while it downloads (seen on a loaded CI machine). */
const RECORD = '{"part":0,"chunks":[2],"chunkSize":5242880,"parallelStreams":3}';

describe('settleDownloadedFile', () => {
  const dirs: string[] = [];
  const file = (content: Buffer): string => {
    const dir = mkdtempSync(join(tmpdir(), 'autodev-settle-'));
    dirs.push(dir);
    const path = join(dir, 'model.gguf');
    writeFileSync(path, content);
    return path;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a file of the announced size, or of no announced size, alone', async () => {
    const path = file(BODY);
    expect(await settleDownloadedFile(path, BODY.length)).toBe(BODY.length);
    expect(await settleDownloadedFile(path, 0)).toBe(BODY.length);
    expect(readFileSync(path).equals(BODY)).toBe(true);
  });

  it('cuts off a progress record ipull wrote after its own truncate', async () => {
    const path = file(Buffer.concat([BODY, Buffer.from(RECORD)]));
    expect(await settleDownloadedFile(path, BODY.length)).toBe(BODY.length);
    expect(readFileSync(path).equals(BODY)).toBe(true);
  });

  it('deletes a short file, or one longer by something other than a progress record, naming both sizes', async () => {
    for (const content of [BODY.subarray(0, 100), Buffer.concat([BODY, Buffer.from('trailing garbage')])]) {
      const path = file(content);
      const error = await settleDownloadedFile(path, BODY.length).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe('model_unavailable');
      expect((error as ProtocolError).message).toContain(`got ${content.length} bytes, the server announced ${BODY.length}`);
      expect(existsSync(path)).toBe(false);
    }
  });
});
