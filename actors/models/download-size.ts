import { open, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { ProtocolError } from '../../proto/index.js';

/**
 * How ipull's resume record begins. While downloading, ipull keeps its progress
 * (`{"part":0,"chunks":[2],"chunkSize":…}`) as JSON after the file's last byte,
 * and cuts it off with a truncate when the download finishes.
 */
const IPULL_PROGRESS_PREFIX = '{"part":';
/** A resume record is a few hundred bytes even for a file of many chunks; more than this past the end is not one. */
const MAX_PROGRESS_RECORD = 1024 * 1024;

/**
 * Brings a file that node-llama-cpp's downloader (ipull) says it finished to
 * exactly the size the server announced, before anything hashes or loads it.
 *
 * Why: ipull writes its progress record without awaiting it (`void
 * this._saveProgress()`), then awaits only the data writes and truncates the
 * file to its size. Both go to libuv's thread pool; on a loaded machine the
 * thread holding the record's write can run after the truncate, so a
 * "finished" download ends with ipull's JSON appended (seen as a 1.75 MB model
 * whose sha256 matched nothing the server sent). By the time `download()`
 * resolves, ipull has awaited `FileHandle.close()`, which waits for every
 * write still in flight on that handle, so the late record has landed and
 * truncating now is final.
 *
 * A file of any other wrong size (short, or longer by something that is not a
 * resume record) is deleted, so it never sits where the daemon would load it.
 * `expectedBytes` of 0 means the server sent no length: nothing to check.
 * Returns the file's size.
 */
export async function settleDownloadedFile(path: string, expectedBytes: number): Promise<number> {
  const handle = await open(path, 'r+');
  let problem: string | null = null;
  let size: number;
  try {
    size = (await handle.stat()).size;
    if (expectedBytes <= 0 || size === expectedBytes) return size;
    if (size > expectedBytes && size - expectedBytes <= MAX_PROGRESS_RECORD) {
      const tail = Buffer.alloc(size - expectedBytes);
      await handle.read(tail, 0, tail.length, expectedBytes);
      if (tail.toString('utf8').startsWith(IPULL_PROGRESS_PREFIX)) {
        await handle.truncate(expectedBytes);
        return expectedBytes;
      }
    }
    problem = size < expectedBytes ? 'is incomplete' : 'is longer than announced';
  } finally {
    await handle.close();
  }
  await rm(path, { force: true });
  throw new ProtocolError(
    'model_unavailable',
    `download of ${basename(path)} ${problem}: got ${size} bytes, the server announced ${expectedBytes}; the file was deleted. Run the same pull again.`,
    { expectedBytes, actualBytes: size },
  );
}
