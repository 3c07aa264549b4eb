import { join } from 'node:path';
import { z } from 'zod';
import { JobId } from '../proto/ids.js';
import { TriggerId } from '../proto/trigger.js';
import type { Logger } from '../actors/log/logger.js';
import type { ScheduledTrigger } from '../actors/mcp/trigger-scheduler.js';
import { writeFileAtomically } from '../actors/fs/write-file-atomically.js';
import { LatestWinsWriter } from '../actors/fs/latest-wins-writer.js';
import { readJsonFile } from './read-json-file.js';

const SavedTrigger = z
  .object({
    jobId: JobId,
    triggerId: TriggerId,
    delayMs: z.number().int().nonnegative(),
    everyMs: z.number().int().positive().nullable(),
    payload: z.record(z.string(), z.unknown()),
    nextAt: z.iso.datetime(),
    count: z.number().int().nonnegative(),
  })
  .strict();
const SavedTriggers = z.object({ version: z.literal(1), triggers: z.array(SavedTrigger) }).strict();

/**
 * `<home>/triggers.json`: the time server's triggers, so a restarted daemon
 * re-arms them.
 */
export class TriggerFile {
  readonly path: string;
  readonly #log: Logger;
  readonly #writer: LatestWinsWriter<ScheduledTrigger[]>;

  constructor(options: { home: string; log: Logger }) {
    this.path = join(options.home, 'triggers.json');
    this.#log = options.log;
    this.#writer = new LatestWinsWriter(
      (triggers) => writeFileAtomically(this.path, `${JSON.stringify({ version: 1, triggers })}\n`, { mode: 0o600 }),
      (error) => this.#log.error('could not save triggers', { file: this.path, error: String(error) }),
    );
  }

  /**
   * The saved triggers; none when there is no file. A file that does not
   * parse is moved aside (kept for a person to read) rather than overwritten.
   */
  async load(): Promise<ScheduledTrigger[]> {
    const loaded = await readJsonFile(this.path, SavedTriggers, this.#log, 'saved triggers');
    return loaded?.triggers ?? [];
  }

  save(triggers: ScheduledTrigger[]): Promise<void> {
    return this.#writer.save(triggers);
  }

  idle(): Promise<void> {
    return this.#writer.idle();
  }
}
