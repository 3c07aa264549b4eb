import { ProtocolError, type Subjects } from '../proto/index.js';
import type { NatsCredentials, NatsRole } from '../proto/nats-credentials.js';
import type { RestrictedNatsUser } from '../actors/engines/nats-server.js';
import { rolePermissions } from './nats-permissions.js';
import { deriveSecret } from './secrets.js';

/** The daemon's own NATS user; its password is the token, which already grants everything through the API. */
export const DAEMON_NATS_USER = 'autodev';

const ROLE_USERS: Record<NatsRole, string> = { worker: 'worker', observer: 'observer' };

const passwordFor = (token: string, role: NatsRole) => deriveSecret(token, `nats-user/${role}`);

/** The embedded server's restricted users; their passwords derive from the token, so they last across restarts. */
export function restrictedNatsUsers(token: string, subjects: Subjects): RestrictedNatsUser[] {
  return (Object.keys(ROLE_USERS) as NatsRole[]).map((role) => {
    const { publish, subscribe } = rolePermissions(role, subjects);
    return { user: ROLE_USERS[role], password: passwordFor(token, role), publish, subscribe };
  });
}

/** Hands out a role's credentials; served only to token holders (`GET /nats/credentials/:role`). */
export type NatsCredentialService = (role: NatsRole) => NatsCredentials;

/**
 * `url` is null when the daemon uses a NATS server given with --nats: that
 * server's users are its operator's, and the daemon has none to hand out.
 */
export function natsCredentialService(options: { url: string | null; token: string; subjects: Subjects }): NatsCredentialService {
  return (role) => {
    if (options.url === null) {
      throw new ProtocolError(
        'conflict',
        `this daemon uses an external NATS server (--nats), whose users it does not manage; create a ${role} user there with the permissions listed in docs/events.md`,
      );
    }
    const { publish, subscribe, inboxPrefix } = rolePermissions(role, options.subjects);
    return { role, url: options.url, user: ROLE_USERS[role], password: passwordFor(options.token, role), inboxPrefix, publish, subscribe };
  };
}
