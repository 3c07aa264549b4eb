import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../cli/daemon-process.js';
import { CONFIG_REFERENCE_FILE, renderConfigReference } from '../daemon/config-reference.js';

/**
 * `npm run docs:config`: writes docs/config.md from the config's zod schema.
 * `--check` writes nothing and exits 1 when the file is out of date (the unit
 * test daemon/config-reference.test.ts checks the same).
 */
const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const file = join(packageRoot(), CONFIG_REFERENCE_FILE);
const text = renderConfigReference();
if (values.check) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // A missing file is out of date like any other.
  }
  if (current !== text) {
    process.stderr.write(`${CONFIG_REFERENCE_FILE} is out of date: run npm run docs:config\n`);
    process.exit(1);
  }
  process.stdout.write(`${CONFIG_REFERENCE_FILE} is up to date\n`);
} else {
  writeFileSync(file, text);
  process.stdout.write(`wrote ${CONFIG_REFERENCE_FILE}\n`);
}
