import type { z } from 'zod';
import { DaemonConfig } from './config.js';
import { configSections, type ConfigKey } from './config-keys.js';
import { ENVIRONMENT_VARIABLES, type EnvironmentVariable } from './environment-variables.js';

/** Where `npm run docs:config` writes the reference, relative to the package root. */
export const CONFIG_REFERENCE_FILE = 'docs/config.md';

const INTRO = `# Configuration reference

<!-- Generated from daemon/config.ts (the DaemonConfig zod schema) and daemon/environment-variables.ts by \`npm run docs:config\`. Do not edit: daemon/config-reference.test.ts fails when this file and the schema differ. -->

autodevd reads \`config.json\` in its home folder (\`--home DIR\`, else
\`$AUTODEV_HOME\`, else \`~/.autodev\`), then the \`AUTODEV_*\` environment
variables, then its flags; a later source wins. Every key is optional. An
unknown key or a bad value stops the daemon with the key named (and
\`autodev doctor\` shows why). A path in \`config.json\` is relative to the home
folder; one from the environment or a flag, to the working folder.

\`\`\`json
{ "maxParallelTasks": 4, "sandbox": { "limits": { "cpus": 2 } }, "acceptance": { "startTimeoutMs": 60000 } }
\`\`\`
`;

/**
 * docs/config.md, as text: every leaf key of the config schema with its
 * description, type, default and allowed values, section by section, then the
 * environment variables. Pure: the script and the test both call it.
 */
export function renderConfigReference(schema: z.ZodType = DaemonConfig, variables: readonly EnvironmentVariable[] = ENVIRONMENT_VARIABLES): string {
  const out = [INTRO, '## Keys', ''];
  for (const section of configSections(schema)) {
    if (section.keys.length === 0) continue;
    out.push(`### ${section.path ? `\`${section.path}\`` : 'Top level'}`, '');
    if (section.description) out.push(`${sentence(section.description)}`, '');
    out.push('| key | type | default | allowed | meaning |', '| --- | --- | --- | --- | --- |');
    for (const key of section.keys) out.push(row(key));
    out.push('');
  }
  out.push('## Environment variables', '', 'Read by the daemon and the CLI; one that names a config key overrides it.', '');
  out.push(...variableTable(variables.filter((v) => !v.internal)), '');
  out.push('### For tests and internal use', '', 'No user sets these for real work; they are listed so none is a surprise.', '');
  out.push(...variableTable(variables.filter((v) => v.internal)));
  return `${out.join('\n')}\n`;
}

function row(key: ConfigKey): string {
  return `| \`${key.path}\` | ${cell(key.type)} | ${code(key.default)} | ${cell(key.allowed)} | ${cell(key.description ?? '')} |`;
}

function variableTable(variables: readonly EnvironmentVariable[]): string[] {
  return ['| variable | meaning | read by |', '| --- | --- | --- |', ...variables.map((v) => `| \`${v.name}\` | ${cell(v.meaning)} | ${cell(v.readBy)} |`)];
}

function code(value: string): string {
  return value === 'unset' || value === 'required' ? value : `\`${value.replaceAll('|', '\\|')}\``;
}

/** A table cell: a `|` would end it and a newline would end the row. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
