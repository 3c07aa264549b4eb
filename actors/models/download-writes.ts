/**
 * The file writes of a node-llama-cpp download (ipull underneath), counted so
 * that an interrupted pull returns only once none is in flight.
 *
 * Why: ipull 3.9 returns from an aborted download while its chunk writes are
 * still running (`BaseDownloadProgram.download` stops waiting on abort), and
 * it records a chunk as complete in its progress record before the chunk's
 * bytes are written. A pull run again at once, in the same process, resumed
 * from that record, skipped the chunk, and renamed the file before the late
 * write landed: the late write then made a new sparse `.ipull` file beside
 * it, and the model had a hole (its sha256 matched nothing; issue 21's
 * models-pull flake, reproduced 3 times in 18 runs at a load of 3).
 *
 * ipull exposes no way to wait for its writes, so this wraps the `write` of
 * each file's write stream (an own property on the instance; ipull's
 * prototype is untouched). Progress records go through the same `write`.
 * When node-llama-cpp's shape is not the one expected, nothing is counted,
 * and the resume test (test/models-pull.test.ts) says so.
 */
export interface DownloadWrites {
  /** How many files' writes are counted: 0 when node-llama-cpp's shape changed (a test checks it is not). */
  files: number;
  /** Resolves once no write is in flight, including writes a finished write's follow-up started. */
  settled(): Promise<void>;
}

type Write = (cursor: number, buffer: Uint8Array) => Promise<unknown>;

function writeStreamsOf(downloader: unknown): Array<{ write: Write }> {
  const files = (downloader as { _specificFileDownloaders?: unknown })._specificFileDownloaders;
  if (!Array.isArray(files)) return [];
  return files.flatMap((file: unknown) => {
    const stream = (file as { options?: { writeStream?: unknown } } | null)?.options?.writeStream as { write?: unknown } | undefined;
    return stream && typeof stream.write === 'function' ? [stream as { write: Write }] : [];
  });
}

export function countDownloadWrites(downloader: unknown): DownloadWrites {
  const inFlight = new Set<Promise<unknown>>();
  const streams = writeStreamsOf(downloader);
  for (const stream of streams) {
    const write = stream.write.bind(stream);
    stream.write = (cursor, buffer) => {
      const pending = write(cursor, buffer);
      inFlight.add(pending);
      const done = () => inFlight.delete(pending);
      pending.then(done, done);
      return pending;
    };
  }
  return {
    files: streams.length,
    async settled() {
      do {
        await Promise.allSettled([...inFlight]);
        // A progress record waiting on ipull's save lock starts its write once the write before it settles.
        await new Promise((resolve) => setImmediate(resolve));
      } while (inFlight.size > 0);
    },
  };
}
