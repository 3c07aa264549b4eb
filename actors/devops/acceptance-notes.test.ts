import { describe, expect, it } from 'vitest';
import { acceptanceNotes } from './acceptance-notes.js';

describe('the acceptance section of RESULT.md', () => {
  it('lists failed and unverified checks in a table whose cells the app cannot break, blocked ones with their root cause', () => {
    const notes = acceptanceNotes({
      rounds: 3,
      maxRounds: 3,
      last: {
        round: 3, passed: 38, failed: 1, blocked: 2, unverified: 1, total: 42, projectTests: null, commit: 'a'.repeat(40), durationMs: 1,
        failures: [
          { id: 'createBook.operation', operationId: 'createBook', kind: 'operation', title: 't', status: 'failed', problem: 'body was <script>x</script> | injected\n# heading' },
          { id: 'createBook.create_read', operationId: 'createBook', kind: 'create_read', title: 't', status: 'blocked', rootCause: 'createBook.operation', problem: 'blocked by createBook.operation' },
          { id: 'getBook.operation', operationId: 'getBook', kind: 'operation', title: 't', status: 'blocked', rootCause: 'createBook.operation', problem: 'blocked by createBook.operation' },
          { id: 'suite.missing', operationId: '-', kind: 'scenario', title: 't', status: 'unverified', problem: 'no suite' },
        ],
      },
    });
    expect(notes).toContain('**38 of 42 checks passed**, 1 failed, 2 blocked by those failures, 1 unverified. The project has no tests of its own.');
    expect(notes).toContain('| createBook.operation | operation | failed | body was &lt;script&gt;x&lt;/script&gt; injected # heading | 2: createBook.create_read, getBook.operation |');
    expect(notes).toContain('| suite.missing | scenario | unverified | no suite |  |');
    // One bug, one row: its dependants are named with it, not listed again.
    expect(notes).not.toContain('| getBook.operation |');
    // RESULT.md travels in the export: it points at the round report exported beside it, never into the daemon's home.
    expect(notes).toContain("Every check's request and answer: `acceptance/round-3.json` beside this file");
    expect(notes).not.toContain("daemon's home");
  });

  it('says plainly when no acceptance run is recorded', () => {
    expect(acceptanceNotes(null)).toContain('nothing here shows that the app works');
  });
});
