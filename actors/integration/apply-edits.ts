import { ProtocolError, type FileEdit, type GeneratedFile } from '../../proto/index.js';
import { readFileAt } from '../git/repo.js';
import { assertSafeRelativePath } from '../worker/safe-path.js';

/**
 * Turns a worker's edits into whole files, against the files as its snapshot
 * held them. An edit applies only when its search text occurs exactly once:
 * anything looser could change code the model never saw. A refusal names the
 * path and what was wrong, never the file's content, and the attempt fails
 * with it, so the retry's prompt tells the model.
 */
export async function applyEdits(repo: string, base: string | null, files: readonly GeneratedFile[], edits: readonly FileEdit[]): Promise<GeneratedFile[]> {
  if (edits.length === 0) return [...files];
  const written = new Set(files.map((f) => f.path));
  const edited = new Map<string, string>();
  for (const [index, edit] of edits.entries()) {
    assertSafeRelativePath(edit.path);
    const where = `edit ${index + 1} of ${edit.path}`;
    if (written.has(edit.path)) throw refused(`${where}: the answer also writes ${edit.path} whole; send either a FILE block or EDIT blocks for a file, not both`);
    const current = edited.get(edit.path) ?? (await readFileAt(repo, base, edit.path));
    if (current === null) throw refused(`${where}: ${edit.path} does not exist in the repository you were shown; write it whole with a FILE block`);
    const at = current.indexOf(edit.search);
    if (at < 0) throw refused(`${where}: the SEARCH text is not in the file (it must match the file exactly, whitespace included)`);
    if (current.indexOf(edit.search, at + 1) >= 0) throw refused(`${where}: the SEARCH text occurs more than once; include more lines so it names one place`);
    edited.set(edit.path, current.slice(0, at) + edit.replace + current.slice(at + edit.search.length));
  }
  return [...files, ...[...edited].map(([path, content]) => ({ path, content }))];
}

function refused(message: string): ProtocolError {
  return new ProtocolError('model_output_invalid', message);
}
