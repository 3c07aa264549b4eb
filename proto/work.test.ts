import { describe, expect, it } from 'vitest';
import { GeneratedFile, WorkReply } from './work.js';

describe('GeneratedFile.path, refined by the safe-path rule', () => {
  it('refuses paths out of the tree, into .git or node_modules, at the boundary', () => {
    for (const path of ['../x', '/etc/passwd', 'a/../../b', '.git/config', 'src/.GIT/hooks/x', 'node_modules/x/index.js', 'a\\b', '', 'a b']) {
      const parsed = GeneratedFile.safeParse({ path, content: 'x' });
      expect(parsed.success, path).toBe(false);
      expect(parsed.error?.issues[0]?.message, path).toMatch(/unsafe file path/);
    }
    expect(GeneratedFile.safeParse({ path: '.github/workflows/ci.yml', content: 'x' }).success).toBe(true);
  });

  it('makes a worker reply naming such a file malformed', () => {
    const reply = { type: 'work.succeeded', worker: 'w1', result: { summary: 's', files: [{ path: '../../token', content: 'x' }], tokens: 1 } };
    expect(WorkReply.safeParse(reply).success).toBe(false);
  });
});
