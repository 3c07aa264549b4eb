import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/main.js';
import { REPO_ROOT, tempDir } from './helpers/env.js';
import { runCli } from './helpers/cli.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const docs = [readme, readFileSync(join(REPO_ROOT, 'ARCHITECTURE.md'), 'utf8'), ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => readFileSync(join(REPO_ROOT, 'docs', f), 'utf8'))];

/** The lines of every ```sh block: what a user copies into a shell. */
const shellLines = (markdown: string) => [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? '').split('\n')).filter((l) => l.trim().length > 0);

/** The README's install step, run as written (npm's global folder pointed at a scratch one), puts both commands on PATH. */
describe('the install step', () => {
  const prefix = tempDir('npm-prefix');
  const elsewhere = tempDir('elsewhere');
  afterAll(() => {
    prefix.cleanup();
    elsewhere.cleanup();
  });

  it('README: the quick start is exactly npm run demo and npm test; a separate Install section links the checkout', () => {
    // The section's first block is the quick start itself; the replay demo follows it as an extra.
    const quick = readme.split('## Quick start')[1]?.split('```sh\n')[1]?.split('```')[0] ?? '';
    expect(shellLines(`\`\`\`sh\n${quick}\`\`\``).map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm run demo', 'npm test']);
    const install = readme.split('\n## Install\n')[1]?.split('\n## ')[0] ?? '';
    expect(shellLines(install)[0]).toMatch(/^npm run setup && npm link\b/);
    expect(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'))).toMatchObject({ bin: { autodev: 'bin/autodev.js', autodevd: 'bin/autodevd.js' } });
  });

  it('npm link puts autodev and autodevd on PATH, and they run from any folder', () => {
    execFileSync('npm', ['link', '--no-audit', '--no-fund'], { cwd: REPO_ROOT, env: { ...process.env, npm_config_prefix: prefix.path }, stdio: 'pipe' });
    const env = { ...process.env, PATH: `${join(prefix.path, 'bin')}:${process.env.PATH ?? ''}` };
    const run = (command: string, ...args: string[]) => execFileSync(command, args, { cwd: elsewhere.path, env, encoding: 'utf8' });
    expect(run('sh', '-c', 'command -v autodev; command -v autodevd')).toBe(`${join(prefix.path, 'bin', 'autodev')}\n${join(prefix.path, 'bin', 'autodevd')}\n`);
    expect(run('autodev', '--help')).toContain('Usage: autodev COMMAND');
    expect(run('autodevd', '--help')).toContain('Usage: autodevd [options]');
    expect(run('autodevd', 'worker', '--help')).toContain('autodevd worker');
  });

  it('one spelling: no npx autodev or node bin/... in the docs\' shell blocks nor in any --help', async () => {
    const wrong = /^\s*(npx autodevd?|node (\.\/)?(bin|dist)\/(cli|daemon|autodevd?))/;
    for (const text of docs) expect(shellLines(text).filter((l) => wrong.test(l))).toEqual([]);
    for (const command of COMMANDS) {
      const help = await runCli([command.name, '--help']);
      expect(help.stdout, command.name).not.toMatch(/npx autodev|bin\/autodev/);
    }
    expect((await runCli(['--help'])).stdout).not.toMatch(/npx autodev|bin\/autodev/);
  });
});
