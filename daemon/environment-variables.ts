/**
 * Every `AUTODEV_*` environment variable the code reads, for docs/config.md.
 * daemon/config-reference.test.ts fails when the source names one that is
 * missing here, so the list cannot fall behind the code.
 */
export interface EnvironmentVariable {
  name: string;
  meaning: string;
  /** Where it is read; a reader's file, so a newcomer can follow it. */
  readBy: string;
  /** Read only by tests, benchmarks or the sandbox's own plumbing: no user sets it for real work. */
  internal: boolean;
}

export const ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = [
  { name: 'AUTODEV_HOME', meaning: 'the home folder (config.json, jobs, daemon.json, token), when `--home` is not given; else `~/.autodev`', readBy: 'proto/home.ts (daemon and CLI)', internal: false },
  { name: 'AUTODEV_MODEL', meaning: 'the GGUF model for roles that name none; overrides `model`, overridden by `--model`', readBy: 'daemon/config.ts', internal: false },
  { name: 'AUTODEV_GPU', meaning: 'overrides `gpu`; overridden by `--gpu`', readBy: 'daemon/config.ts', internal: false },
  { name: 'AUTODEV_MASTER_MODEL', meaning: "overrides `models.master.path`; overridden by `--master-model`", readBy: 'daemon/model-config.ts', internal: false },
  { name: 'AUTODEV_WORKER_MODEL', meaning: "overrides `models.worker.path`; overridden by `--worker-model`", readBy: 'daemon/model-config.ts', internal: false },
  { name: 'AUTODEV_EMBEDDING_MODEL', meaning: 'overrides `models.embedding`; overridden by `--embedding-model`', readBy: 'daemon/model-config.ts', internal: false },
  { name: 'AUTODEV_HF_ENDPOINT', meaning: 'overrides `models.hfEndpoint` (a Hugging Face mirror)', readBy: 'daemon/model-config.ts', internal: false },
  { name: 'AUTODEV_LOG_LEVEL', meaning: '`debug` adds debug lines to the daemon\'s log; anything else: info', readBy: 'daemon/main.ts', internal: false },
  {
    name: 'AUTODEV_FAILPOINTS',
    meaning: 'comma-separated faults a test switches on in a real daemon (daemon/failpoints.ts); an unknown name stops the daemon at start',
    readBy: 'daemon/main.ts',
    internal: true,
  },
  { name: 'AUTODEV_SHARED_MODELS', meaning: "the folder of the test models (tiny random GGUF and embedder); default `../shared/models` beside the checkout", readBy: 'test/helpers/env.ts', internal: true },
  { name: 'AUTODEV_TEST_NATIVE', meaning: '`1` runs the opt-in native-module acceptance test (minutes of compiling)', readBy: 'test/acceptance-native.test.ts', internal: true },
  { name: 'AUTODEV_TEST_WORKERS', meaning: 'test files vitest runs at once (default 4)', readBy: 'vitest.config.ts', internal: true },
  { name: 'AUTODEV_BENCH_KEEP', meaning: 'keep the memory benchmark\'s database folder instead of removing it', readBy: 'scripts/bench/memory.ts', internal: true },
  {
    name: 'AUTODEV_CGROUP_PROCS',
    meaning: "set by the bubblewrap sandbox for its own launcher shell (the cgroup files a run joins); never read from the user's environment",
    readBy: 'actors/sandbox/bubblewrap-sandbox.ts',
    internal: true,
  },
];

/** Names that look like variables in the source but are not read from the environment. */
export const NOT_ENVIRONMENT_VARIABLES: readonly string[] = [
  // The default JetStream stream name (proto/subjects.ts eventStreamName('autodev')).
  'AUTODEV_EVENTS',
];
