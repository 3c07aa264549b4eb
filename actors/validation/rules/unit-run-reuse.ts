/** The unit_tests stage's run of the candidate tree, as it ran: before any rule, on the exported tree. */
export interface UnitRun {
  argv: readonly string[];
  /** The stage passed: the command exited 0 within its time. */
  passed: boolean;
  output: string;
}

/**
 * The files `node --test` finds with no path given, as Node 20 documents
 * them: a test run with no arguments ran exactly the files that match.
 */
const NODE_TEST_DEFAULT_NAME = /(^|\/)([^/]*[.\-_]test|test-[^/]*|test)\.(c|m)?js$/;
const NODE_TEST_DEFAULT_DIR = /(^|\/)test\/(.+\/)?[^/]+\.(c|m)?js$/;

/** Flags that change neither which tests run nor how results print (a reporter, a name filter or --test-only would). */
const PLAIN_FLAGS = new Set(['--test', '--experimental-test-coverage']);

function ranByNodeTest(argv: readonly string[], files: readonly string[]): boolean {
  if (argv[0] !== 'node' || !argv.includes('--test')) return false;
  const flags = argv.slice(1).filter((a) => a.startsWith('-'));
  if (!flags.every((f) => PLAIN_FLAGS.has(f))) return false;
  const paths = argv.slice(1).filter((a) => !a.startsWith('-'));
  // A named folder is searched by rules of its own; only no path (the defaults) or named files are read here.
  if (paths.length > 0) return files.every((f) => paths.includes(f));
  return files.every((f) => !f.split('/').includes('node_modules') && (NODE_TEST_DEFAULT_NAME.test(f) || NODE_TEST_DEFAULT_DIR.test(f)));
}

/**
 * node:test lists a file that declares no test (or failed to load) as one
 * top-level result named by its path; a file that declares tests is never
 * listed by name. The sandbox shows the tree at /workspace.
 */
function listedByName(output: string, file: string, hostRoot: string): boolean {
  const names = new Set([file, `/workspace/${file}`, `${hostRoot.replace(/\/$/, '')}/${file}`]);
  for (const match of output.matchAll(/^(?:not )?ok \d+ - (.*)$/gm)) if (names.has((match[1] as string).trim())) return true;
  return false;
}

/**
 * Whether the unit_tests run already shows that these test files pass: it
 * was node:test, it ran every one of them, it passed as a whole, and each
 * of them declares tests. Then running them again by themselves would show
 * nothing new; otherwise (a failure included, whose own run names it) the
 * rule runs them.
 */
export function unitRunCovers(run: UnitRun | undefined, files: readonly string[], hostRoot: string): boolean {
  if (!run?.passed || files.length === 0) return false;
  if (!ranByNodeTest(run.argv, files)) return false;
  return files.every((f) => !listedByName(run.output, f, hostRoot));
}

/**
 * Whether the unit_tests run was this very command on this tree, and passed.
 * A tests_pass rule whose files need the project's own test script runs that
 * script (all the project's tests), so when the unit_tests stage already ran
 * the same argv, running it again would repeat the same run: for a
 * TypeScript project a whole `tsc` and test run, seconds each task.
 */
export function unitRunWas(run: UnitRun | undefined, argv: readonly string[]): run is UnitRun {
  return run?.passed === true && run.argv.length === argv.length && run.argv.every((arg, i) => arg === argv[i]);
}
