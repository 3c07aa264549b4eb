import { Hono } from 'hono';
import { z } from 'zod';
import { ProtocolError } from '../../proto/index.js';
import { NatsRole, type NatsCredentials } from '../../proto/nats-credentials.js';
import type { NatsCredentialService } from '../nats-users.js';
import { pathParams } from './validate.js';

const RoleParams = z.object({ role: NatsRole });

/**
 * `GET /nats/credentials/:role` for `autodev workers credentials` and
 * `autodev events credentials`. Behind the token like every route: whoever
 * may ask already holds more than the role it is given.
 */
export function natsCredentialsRoutes(service: NatsCredentialService | undefined) {
  return new Hono().get('/nats/credentials/:role', pathParams(RoleParams), (c) => {
    if (!service) throw new ProtocolError('not_found', 'this daemon hands out no NATS credentials');
    return c.json(service(c.req.valid('param').role) satisfies NatsCredentials);
  });
}
