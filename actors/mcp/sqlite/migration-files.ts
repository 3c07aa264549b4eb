import { readdir } from 'node:fs/promises';
import { ToolError } from '../tool.js';
import { Workspace } from '../workspace.js';

/**
 * The job's migration files, `db/migrations/NNNN_name.sql` in its repository.
 * The repository is written by models and sandboxed code, so every path goes
 * through Workspace: a symlinked folder or file cannot make the tool read a
 * host file into SQLite (whose errors would quote it) or write outside.
 */
export const MIGRATIONS_DIR = 'db/migrations';
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Far above any real migration; a bigger file is refused rather than read into memory. */
const MAX_MIGRATION_BYTES = 1024 * 1024;

export interface MigrationFile {
  version: number;
  file: string;
}

export class MigrationFiles {
  readonly #workspace: Workspace;
  constructor(repo: string) {
    this.#workspace = new Workspace(repo);
  }

  /** In version order; a missing folder means none. */
  async list(): Promise<MigrationFile[]> {
    const dir = await this.#workspace.resolve(MIGRATIONS_DIR, 'read');
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return names
      .map((file) => ({ file, match: MIGRATION_FILE.exec(file) }))
      .filter((e): e is { file: string; match: RegExpExecArray } => e.match !== null)
      .map((e) => ({ version: Number(e.match[1]), file: e.file }))
      .sort((a, b) => a.version - b.version);
  }

  async read(file: string): Promise<string> {
    const path = `${MIGRATIONS_DIR}/${file}`;
    const handle = await this.#workspace.openRegular(await this.#workspace.resolve(path, 'read'), 'read', path);
    try {
      if ((await handle.stat()).size > MAX_MIGRATION_BYTES) {
        throw new ToolError('too_large', `migration ${path} is larger than ${MAX_MIGRATION_BYTES} bytes; split it into smaller migrations`);
      }
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }

  async write(file: string, sql: string): Promise<string> {
    const path = `${MIGRATIONS_DIR}/${file}`;
    const handle = await this.#workspace.openRegular(await this.#workspace.resolve(path, 'write'), 'write', path);
    try {
      await handle.writeFile(sql.endsWith('\n') ? sql : `${sql}\n`);
    } finally {
      await handle.close();
    }
    return path;
  }
}
