import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import {
  ProtocolError,
  PullModelBody,
  toWireError,
  type ModelListAnswer,
  type PullEvent,
  type RemoveModelAnswer,
} from '../../proto/index.js';
import { jsonBody, pathParams } from './validate.js';

/** The models folder, as `autodev models` sees it (wired in daemon/model-service.ts). */
export interface ModelService {
  list(): Promise<ModelListAnswer>;
  remove(name: string): Promise<RemoveModelAnswer>;
  /** Downloads; reports progress through `onProgress`; resolves to the final event (`pulled` or `pulled_folder`). */
  pull(body: PullModelBody, onProgress: (downloadedBytes: number, totalBytes: number) => void, signal: AbortSignal): Promise<PullEvent>;
}

const NameParams = z.object({ name: z.string().min(1).max(255) });

/** Progress lines at most this often, plus the last one: a fast download must not flood the client. */
const PROGRESS_INTERVAL_MS = 100;

function unavailable(): never {
  throw new ProtocolError('not_found', 'this daemon was started without model management');
}

/**
 * `GET /models`, `DELETE /models/:name`, and `POST /models/pull`, whose answer
 * is NDJSON (one `PullEvent` a line) so the CLI can draw progress while the
 * daemon downloads. Closing the request aborts the download; a later pull resumes it.
 */
export function modelsRoutes(service: ModelService | undefined) {
  return new Hono()
    .get('/models', async (c) => c.json((await (service ?? unavailable()).list()) satisfies ModelListAnswer))
    .delete('/models/:name', pathParams(NameParams), async (c) => {
      const answer = await (service ?? unavailable()).remove(c.req.valid('param').name);
      return c.json(answer satisfies RemoveModelAnswer);
    })
    .post('/models/pull', jsonBody(PullModelBody), (c) => {
      const models = service ?? unavailable();
      const body = c.req.valid('json');
      c.header('content-type', 'application/x-ndjson; charset=utf-8');
      return stream(c, async (out) => {
        const controller = new AbortController();
        out.onAbort(() => controller.abort());
        const send = (event: PullEvent) => out.write(`${JSON.stringify(event)}\n`);
        // Writes are chained so lines never interleave; progress arrives from the downloader's callbacks.
        let pending: Promise<unknown> = Promise.resolve();
        let lastSent = 0;
        const onProgress = (downloadedBytes: number, totalBytes: number) => {
          const now = Date.now();
          if (now - lastSent < PROGRESS_INTERVAL_MS && downloadedBytes < totalBytes) return;
          lastSent = now;
          pending = pending.then(() => send({ type: 'progress', downloadedBytes, totalBytes }));
        };
        let final: PullEvent;
        try {
          final = await models.pull(body, onProgress, controller.signal);
        } catch (error) {
          final = { type: 'error', error: toWireError(error) };
        }
        await pending;
        await send(final);
      });
    });
}
