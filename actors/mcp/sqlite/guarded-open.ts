import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export const SETUP_HINT = 'run `npm run setup` (it builds dist/native/sqlite-guard.so with gcc); the database tool refuses to run without it';

export class GuardUnavailable extends Error {
  override readonly name = 'GuardUnavailable';
}

/**
 * Opens a handle with the guard loaded, or throws: a handle without it could
 * ATTACH or VACUUM INTO any path, so there is no unguarded fallback.
 */
export function openGuarded(file: string, options: { readOnly: boolean; guardPath: string }): Database.Database {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
    // A read-only handle needs an existing file; creating an empty one changes no data.
    if (options.readOnly) closeSync(openSync(file, 'a'));
  }
  const db = new Database(file, { readonly: options.readOnly });
  try {
    // Entry point sqlite3_sqliteguard_init: the name SQLite derives from the file name sqlite-guard.so.
    db.loadExtension(options.guardPath);
  } catch (error) {
    db.close();
    throw new GuardUnavailable(`the SQLite guard ${options.guardPath} could not be loaded (${(error as Error).message}); ${SETUP_HINT}`, { cause: error });
  }
  db.pragma('foreign_keys = ON');
  return db;
}
