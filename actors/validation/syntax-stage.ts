import type { StageResult, ValidationFailure } from '../../proto/index.js';
import { stageResult } from './stage-result.js';
import { checkSyntax } from './syntax-check.js';
import type { WorkspaceFile } from './workspace-files.js';

/** checkSyntax's `path:line:col message` lines, as the pipeline's first stage. */
export function syntaxStage(files: readonly WorkspaceFile[]): StageResult {
  const started = Date.now();
  const report = checkSyntax(files);
  const failures: ValidationFailure[] = report.issues.map((issue) => {
    const match = /^([^:\s]+)(?::(\d+):\d+)?:? (.*)$/.exec(issue);
    return {
      stage: 'syntax',
      file: match?.[1] ?? null,
      line: match?.[2] ? Number(match[2]) : null,
      message: match?.[3] ?? issue,
      logExcerpt: issue,
    };
  });
  return stageResult('syntax', started, { summary: `${files.length} file(s) parsed: ${failures.length} error(s)`, failures, metrics: { files: files.length } });
}
