import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { JobId } from '../proto/ids.js';
import { TriggerId } from '../proto/trigger.js';
import type { Logger } from '../actors/log/logger.js';
import type { ScheduledTrigger } from '../actors/mcp/trigger-scheduler.js';
import { writeFileAtomically } from '../actors/fs/write-file-atomically.js';

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
 * re-arms them. Saves are serialised and coalesced: while one write runs,
 * only the newest state waits behind it.
 */
export class TriggerFile {
  readonly path: string;
  readonly #log: Logger;
  #pending: ScheduledTrigger[] | null = null;
  #writing: Promise<void> | null = null;

  constructor(options: { home: string; log: Logger }) {
    this.path = join(options.home, 'triggers.json');
    this.#log = options.log;
  }

  /**
   * The saved triggers; none when there is no file. A file that does not
   * parse is moved aside (kept for a person to read) rather than overwritten.
   */
  async load(): Promise<ScheduledTrigger[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    let problem: string;
    try {
      const parsed = SavedTriggers.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data.triggers;
      problem = parsed.error.message;
    } catch (error) {
      problem = `not JSON: ${String(error)}`;
    }
    const aside = `${this.path}.broken-${Date.now()}`;
    await rename(this.path, aside);
    this.#log.error('saved triggers are unreadable; starting without them', { file: aside, problem, fix: 'read the file, then schedule the triggers again with the time server' });
    return [];
  }

  /** Queues the newest state; resolves when it (or a newer one) is on disk. */
  save(triggers: ScheduledTrigger[]): Promise<void> {
    this.#pending = triggers;
    this.#writing ??= this.#drain().finally(() => {
      this.#writing = null;
    });
    return this.#writing;
  }

  /** Resolves once no save is in flight. */
  idle(): Promise<void> {
    return this.#writing ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    while (this.#pending) {
      const triggers = this.#pending;
      this.#pending = null;
      try {
        await writeFileAtomically(this.path, `${JSON.stringify({ version: 1, triggers })}\n`, { mode: 0o600 });
      } catch (error) {
        this.#log.error('could not save triggers', { file: this.path, error: String(error) });
      }
    }
  }
}
