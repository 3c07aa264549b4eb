import { describe, expect, it } from 'vitest';
import { acceptanceNotes } from './acceptance-notes.js';

describe('the acceptance section of RESULT.md', () => {
  it('lists failed and unverified checks in a table whose cells the app cannot break', () => {
    const notes = acceptanceNotes({
      rounds: 3,
      maxRounds: 3,
      last: {
        round: 3, passed: 40, failed: 1, unverified: 1, total: 42, projectTests: null, commit: 'a'.repeat(40), durationMs: 1,
        failures: [
          { id: 'createBook.operation', operationId: 'createBook', kind: 'operation', title: 't', status: 'failed', problem: 'body was <script>x</script> | injected\n# heading' },
          { id: 'suite.missing', operationId: '-', kind: 'scenario', title: 't', status: 'unverified', problem: 'no suite' },
        ],
      },
    });
    expect(notes).toContain('**40 of 42 checks passed**, 1 failed, 1 unverified. The project has no tests of its own.');
    expect(notes).toContain('| createBook.operation | operation | failed | body was &lt;script&gt;x&lt;/script&gt; injected # heading |');
    expect(notes).toContain('| suite.missing | scenario | unverified | no suite |');
  });

  it('says plainly when no acceptance run is recorded', () => {
    expect(acceptanceNotes(null)).toContain('nothing here shows that the app works');
  });
});
