import { describeRecording } from './replay-recordings.js';

// The harness and what it checks: test/replay-recordings.ts.
describeRecording('correct');
