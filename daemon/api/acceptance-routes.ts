import { Hono } from 'hono';
import { AcceptBody, ProtocolError } from '../../proto/index.js';
import type { AcceptanceService } from '../../actors/acceptance/acceptance-service.js';
import { jsonBody } from './validate.js';

export type { AcceptanceService };

/**
 * `POST /acceptance` for `autodev accept`: the daemon owns the sandbox, so
 * the app is installed, started and checked here. The answer is the report,
 * whatever it says; only a bad request (no such folder, an unreadable spec)
 * is an error.
 */
export function acceptanceRoutes(service: AcceptanceService | undefined) {
  return new Hono().post('/acceptance', jsonBody(AcceptBody), async (c) => {
    if (!service) throw new ProtocolError('not_found', 'this daemon was started without the acceptance suite');
    return c.json(await service.accept(c.req.valid('json'), c.req.raw.signal));
  });
}
