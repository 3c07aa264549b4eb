import { readFile } from 'node:fs/promises';
import { connect, type NatsConnection } from 'nats';
import { createSubjects } from '../../proto/index.js';
import type { Logger } from '../../actors/log/logger.js';
import { TriggerScheduler } from '../../actors/mcp/trigger-scheduler.js';
import { isProcessAlive, readDaemonFile } from '../daemon-file.js';

/**
 * For `autodev mcp serve time`: triggers published on the running daemon's
 * NATS (its embedded server takes user `autodev` and the API token). Null when
 * no daemon runs or its NATS refuses us; the time server then says triggers
 * need the daemon. The timers live as long as the stdio session.
 */
export async function connectDaemonTriggers(home: string, subjectPrefix: string, log: Logger): Promise<{ scheduler: TriggerScheduler; close(): Promise<void> } | null> {
  const info = await readDaemonFile(home);
  if (!info || !isProcessAlive(info.pid)) return null;
  let nc: NatsConnection;
  try {
    const token = (await readFile(info.tokenFile, 'utf8')).trim();
    nc = await connect({ servers: info.natsUrl, user: 'autodev', pass: token, name: 'autodev-mcp-time', reconnect: false });
  } catch (error) {
    log.warn('cannot reach the daemon NATS; triggers are off in this session', { nats: info.natsUrl, error: String(error) });
    return null;
  }
  const subjects = createSubjects(subjectPrefix);
  const scheduler = new TriggerScheduler({ log, publish: async (event) => nc.publish(subjects.trigger(event.jobId, event.triggerId), JSON.stringify(event)) });
  return {
    scheduler,
    async close() {
      scheduler.stop();
      await nc.drain();
    },
  };
}
