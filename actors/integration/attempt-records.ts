import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskOutput } from '../../proto/index.js';
import { writeFileAtomically } from '../fs/write-file-atomically.js';

/**
 * What integrating one attempt produced, kept beside the job's repository.
 * It is written before main moves to the attempt's commit, so whenever a
 * commit names an attempt, its full report can be read back: a re-run of the
 * attempt (a restored actor, crash recovery) returns it instead of a lesser one.
 */
export interface AttemptRecords {
  read(taskId: string, attempt: number): Promise<TaskOutput | null>;
  write(taskId: string, attempt: number, output: TaskOutput): Promise<void>;
}

/** Records under `<jobDir>/integration/<taskId>.<attempt>.json`. */
export function attemptRecordsIn(dir: string): AttemptRecords {
  const file = (taskId: string, attempt: number) => join(dir, `${taskId}.${attempt}.json`);
  return {
    async read(taskId, attempt) {
      const text = await readFile(file(taskId, attempt), 'utf8').catch(() => null);
      if (text === null) return null;
      try {
        const parsed = TaskOutput.safeParse(JSON.parse(text));
        return parsed.success ? parsed.data : null;
      } catch {
        // A torn or edited record is not trusted: the caller validates the committed tree again.
        return null;
      }
    },
    async write(taskId, attempt, output) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomically(file(taskId, attempt), JSON.stringify(output), { sync: true, mode: 0o600 });
    },
  };
}
