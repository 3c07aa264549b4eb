import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { JobId } from '../../proto/index.js';
import type { Logger } from '../../actors/log/logger.js';
import { ThinkingPlan, ThinkingStore } from '../../actors/mcp/thinking-store.js';
import { writeFileAtomically } from '../../actors/fs/write-file-atomically.js';
import { LatestWinsWriter } from '../../actors/fs/latest-wins-writer.js';
import { readJsonFile } from '../read-json-file.js';

const SavedPlans = z.object({ version: z.literal(1), plans: z.array(ThinkingPlan) }).strict();

export interface PersistentThinking {
  store: ThinkingStore;
  /** Resolves once every save in flight has landed. */
  idle(): Promise<void>;
}

const fileOf = (jobsDir: string, jobId: string) => join(jobsDir, jobId, 'thinking.json');

/**
 * The daemon's sequential-thinking plans, one `jobs/<id>/thinking.json` per
 * job, loaded at start and saved on every change, so a plan an outside MCP
 * client keeps across calls also survives a restart.
 */
export async function openPersistentThinking(jobsDir: string, log: Logger): Promise<PersistentThinking> {
  // Read at once rather than one job after another: this is on the daemon's start-up path.
  const jobIds = (await readdir(jobsDir, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory() && JobId.safeParse(entry.name).success)
    .map((entry) => entry.name);
  const saved = await Promise.all(jobIds.map((jobId) => readJsonFile(fileOf(jobsDir, jobId), SavedPlans, log, `sequential-thinking plans of job ${jobId}`)));
  const plans = jobIds.flatMap((jobId, i) => (saved[i]?.plans ?? []).map((plan) => ({ jobId, plan })));
  const writers = new Map<string, LatestWinsWriter<ThinkingPlan[]>>();
  const writerFor = (jobId: string) => {
    let writer = writers.get(jobId);
    if (!writer) {
      const file = fileOf(jobsDir, jobId);
      writer = new LatestWinsWriter(
        async (jobPlans) => {
          await mkdir(join(jobsDir, jobId), { recursive: true });
          await writeFileAtomically(file, `${JSON.stringify({ version: 1, plans: jobPlans })}\n`, { mode: 0o600 });
        },
        (error) => log.error('could not save sequential-thinking plans', { jobId, file, error: String(error) }),
      );
      writers.set(jobId, writer);
    }
    return writer;
  };
  return {
    store: new ThinkingStore({ plans, onChange: (jobId, jobPlans) => void writerFor(jobId).save(jobPlans) }),
    async idle() {
      await Promise.all([...writers.values()].map((w) => w.idle()));
    },
  };
}
