import { NatsCredentials, type NatsRole } from '../proto/nats-credentials.js';
import { jsonOrThrow, send, type Connection } from './client.js';

/** Asks the daemon for one role's NATS credentials; the API wants the token, which the CLI reads from the home. */
export async function fetchNatsCredentials(connection: Connection, role: NatsRole): Promise<NatsCredentials> {
  const res = await send(connection, connection.api.nats.credentials[':role'], '$get', { param: { role } });
  return jsonOrThrow(res, NatsCredentials);
}

/** The credentials as aligned text lines; the password is printed, since asking for it is the point. */
export function describeNatsCredentials(credentials: NatsCredentials): string[] {
  return [
    `url        ${credentials.url}`,
    `user       ${credentials.user}`,
    `password   ${credentials.password}`,
    ...(credentials.inboxPrefix ? [`inbox      ${credentials.inboxPrefix} (set it as the client's inboxPrefix)`] : []),
    `subscribe  ${credentials.subscribe.join(' ')}`,
    `publish    ${credentials.publish.length > 0 ? credentials.publish.join(' ') : 'nothing (the server refuses every publish)'}`,
  ];
}
