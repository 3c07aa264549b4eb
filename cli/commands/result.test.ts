import { describe, expect, it } from 'vitest';
import { artifactsFolder } from './result.js';

const file = (path: string) => ({ path, base64: '', executable: false });

describe('where autodev result puts the artifacts', () => {
  it('uses artifacts/, unless the application has files of its own there', () => {
    expect(artifactsFolder([file('src/server.js'), file('.git/HEAD'), file('artifacts.md')])).toBe('artifacts');
    // The app's tracked files must stay as committed, so the export's reports go beside them.
    expect(artifactsFolder([file('Artifacts/build.txt')])).toBe('autodev-artifacts');
    expect(artifactsFolder([file('artifacts/a'), file('autodev-artifacts/b')])).toBe('autodev-artifacts-3');
  });
});
