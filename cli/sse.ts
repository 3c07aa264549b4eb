import { JobEvent } from '../proto/index.js';

/**
 * Reads `text/event-stream` and yields each event's data parsed with the
 * proto/ schema; frames that fail it are skipped, never trusted.
 */
export async function* readJobEvents(body: ReadableStream<Uint8Array>): AsyncIterable<JobEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (!data) continue;
      try {
        const parsed = JobEvent.safeParse(JSON.parse(data));
        if (parsed.success) yield parsed.data;
      } catch {
        // not JSON: ignore the frame
      }
    }
  }
}
