import { ProtocolError, safePathProblem } from '../../proto/index.js';

export { MAX_PATH_CHARS, MAX_PATH_DEPTH } from '../../proto/index.js';

/** Model output names the files it writes, so a path is hostile until proven otherwise (`safePathProblem`). */
export function assertSafeRelativePath(path: string): string {
  const problem = safePathProblem(path);
  if (problem) throw new ProtocolError('model_output_invalid', `unsafe file path "${path}": ${problem}`);
  return path;
}
