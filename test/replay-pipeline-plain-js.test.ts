import { describePipeline } from './replay-pipeline.js';

// The harness and what it checks: test/replay-pipeline.ts.
describePipeline(['plain-js']);
