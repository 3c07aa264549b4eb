import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './command-table.js';

const COMMANDS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'commands');

describe('the command table', () => {
  it('lists each command with the name and summary its module declares', async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }, entry.name).toEqual({ name: entry.name, summary: entry.summary });
    }
  });

  it('names each command once, and every command module has an entry', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    const modules = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.replace(/\.ts$/, ''));
    expect([...names].sort()).toEqual(modules.sort());
  });
});
