import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AcceptanceSuite, ProtocolError, type AcceptanceReport, type JobId } from '../../proto/index.js';
import { readJsonAs } from '../fs/read-json-as.js';
import { writeFileAtomically } from '../fs/write-file-atomically.js';

/**
 * A job's acceptance suite, frozen at planning: derived from the spec, or
 * written from the prompt by the Master. It lives beside the job's record,
 * outside the repository, so no worker can edit what judges its work. The
 * reports of the integration rounds are kept beside it.
 */
export interface SuiteStore {
  /** The frozen suite, or null when planning has not written one. */
  load(jobId: JobId): Promise<AcceptanceSuite | null>;
  /** Written once at planning, before any task exists; freezeAcceptanceSuite loads first and never saves over a frozen suite. */
  save(jobId: JobId, suite: AcceptanceSuite): Promise<void>;
  saveReport(jobId: JobId, round: number, report: AcceptanceReport): Promise<string>;
}

/** Suites kept in memory: the jobs running at once, with room to spare. */
const KEPT_SUITES = 16;

/**
 * A frozen suite never changes, so it is read and checked once per job, not
 * once per attempt and round: the store keeps the last few it saved or
 * loaded, frozen so that no caller can change what the next one gets.
 * A job with no suite yet is asked about again, as planning may still write one.
 */
export function createFileSuiteStore(jobsDir: string): SuiteStore {
  const folder = (jobId: JobId) => join(jobsDir, jobId, 'acceptance');
  const kept = new Map<JobId, AcceptanceSuite>();
  const keep = (jobId: JobId, suite: AcceptanceSuite) => {
    kept.delete(jobId);
    kept.set(jobId, deepFreeze(suite));
    for (const oldest of kept.keys()) {
      if (kept.size <= KEPT_SUITES) break;
      kept.delete(oldest);
    }
    return suite;
  };
  return {
    async load(jobId) {
      const known = kept.get(jobId);
      if (known) return known;
      const read = await readJsonAs(join(folder(jobId), 'suite.json'), AcceptanceSuite);
      if (!read) return null;
      if (!read.ok) throw new ProtocolError('internal', `the acceptance suite of job ${jobId} does not match its schema; resubmit the job`, { jobId });
      return keep(jobId, read.value);
    },
    async save(jobId, suite) {
      const checked = AcceptanceSuite.parse(suite);
      await mkdir(folder(jobId), { recursive: true, mode: 0o700 });
      await writeFileAtomically(join(folder(jobId), 'suite.json'), `${JSON.stringify(checked)}\n`);
      keep(jobId, checked);
    },
    async saveReport(jobId, round, report) {
      await mkdir(folder(jobId), { recursive: true, mode: 0o700 });
      const file = join(folder(jobId), `round-${round}.json`);
      await writeFileAtomically(file, `${JSON.stringify(report, null, 2)}\n`);
      return file;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
