import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { FILE_WEIGHTS_S } from './file-weights.js';

/**
 * Longest file first, across both tiers: with a few workers, a run ends
 * when its slowest file does, so that file must start at once. The weight
 * is the file's time in the last run here (vitest's results cache), else
 * the committed estimate (file-weights.ts), else zero: the many small files
 * then fill the gaps at the end, the unit tier's among them.
 */
export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const weight = (spec: TestSpecification) => {
      const path = relative(root, spec.moduleId).split('\\').join('/');
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`);
      return cached ? cached.duration / 1000 : (FILE_WEIGHTS_S[path] ?? 0);
    };
    const weights = new Map(files.map((spec) => [spec, weight(spec)]));
    return [...files].sort((a, b) => (weights.get(b) ?? 0) - (weights.get(a) ?? 0));
  }
}
