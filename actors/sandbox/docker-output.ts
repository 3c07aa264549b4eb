import { Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { OutputTail } from './output-tail.js';

/** Splits an attached exec or container stream into stdout and stderr tails; resolves when the stream ends. */
export function collectOutput(modem: Dockerode['modem'], stream: NodeJS.ReadableStream, out: OutputTail, err: OutputTail): Promise<void> {
  const sink = (tail: OutputTail) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        tail.push(chunk);
        callback();
      },
    });
  modem.demuxStream(stream, sink(out), sink(err));
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', resolve);
  });
}
