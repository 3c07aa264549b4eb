/**
 * Seconds each slow integration file took in a full run on a 2-core machine
 * (from vitest's results cache, node_modules/.vite/vitest/*\/results.json).
 * A fresh clone has no such cache, and vitest then runs the biggest files
 * first by bytes: the replay files, four lines each, ran last and made the
 * run's tail. Rough figures are enough; only the order matters. Refresh them
 * when a file's cost changes a lot.
 */
export const FILE_WEIGHTS_S: Readonly<Record<string, number>> = {
  'test/replay-pipeline-buggy.test.ts': 170,
  'test/replay-pipeline-never-fixed.test.ts': 150,
  'test/acceptance-corpus.test.ts': 77,
  'test/cli-e2e.test.ts': 44,
  'test/replay-pipeline-plain-js.test.ts': 30,
  'test/security-sandbox-npmrc.test.ts': 33,
  'test/daemon-api.test.ts': 33,
  'test/crash-resume.test.ts': 33,
  'test/security-safe-tree-race.test.ts': 31,
  'test/cli-daemon-rule.test.ts': 31,
  'test/security-daemon-process.test.ts': 29,
  'test/remote-workers.test.ts': 28,
  'test/web-browser.test.ts': 27,
  'test/sandbox-cli.test.ts': 19,
  'test/plan-job-suite.test.ts': 18,
  'test/sandbox-daemon.test.ts': 17,
  'test/nats-permissions.test.ts': 16,
  'test/master-failure.test.ts': 16,
  'test/sandbox-docker.test.ts': 15,
  'test/validation-daemon.test.ts': 15,
  'test/acceptance-cli.test.ts': 14,
  'test/openai-accounting.test.ts': 14,
  'test/security-sandbox-survivors.test.ts': 13,
  'test/security-database.test.ts': 13,
  'test/acceptance-native.test.ts': 12,
  'test/acceptance-security.test.ts': 12,
  'test/daemon-external-nats.test.ts': 12,
  'test/cli-messages.test.ts': 11,
};
