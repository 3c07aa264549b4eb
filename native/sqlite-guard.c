/*
 * sqlite-guard: makes a SQLite connection unable to reach any file but its own.
 *
 * Loaded into every handle of the MCP database tool right after it opens
 * (actors/mcp/sqlite/). better-sqlite3 exposes neither sqlite3_limit nor
 * sqlite3_set_authorizer, so this extension applies them from inside SQLite;
 * a text filter on the SQL cannot, since it cannot parse SQL.
 *
 * - SQLITE_LIMIT_ATTACHED = 0: ATTACH, and VACUUM INTO (which attaches its
 *   target), fail at run time with "too many attached databases", however
 *   the statement was written. This is the wall; the rest is depth.
 * - An authorizer denies ATTACH, DETACH, the load_extension() function and
 *   the PRAGMAs that name files or directories or lift limits set here.
 * - Defensive mode (no writable_schema, no journal_mode=OFF corruption).
 * - temp_store = MEMORY: SQLite's own scratch files stay in memory.
 * - Loading further extensions is switched off for the connection.
 *
 * Built by scripts/setup.sh against better-sqlite3's bundled sqlite3ext.h.
 */
#include <strings.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

/* PRAGMAs refused outright: each names a path, or would undo a setting above. */
static const char *const denied_pragmas[] = {
  "temp_store_directory",
  "data_store_directory",
  "temp_store",
  "writable_schema",
  "hard_heap_limit",
  "soft_heap_limit",
  "trusted_schema",
  0,
};

static int is_denied_pragma(const char *name) {
  if (!name) return 0;
  for (const char *const *p = denied_pragmas; *p; p++) {
    if (strcasecmp(name, *p) == 0) return 1;
  }
  return 0;
}

static int guard_authorizer(void *unused, int action, const char *arg1, const char *arg2, const char *db_name, const char *trigger) {
  (void)unused;
  (void)db_name;
  (void)trigger;
  switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      return SQLITE_DENY;
    case SQLITE_FUNCTION:
      /* arg2 is the function's name. */
      return arg2 && strcasecmp(arg2, "load_extension") == 0 ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_PRAGMA:
      /* arg1 is the pragma's name, as written. */
      return is_denied_pragma(arg1) ? SQLITE_DENY : SQLITE_OK;
    default:
      return SQLITE_OK;
  }
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_sqliteguard_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  (void)error;
  int rc = sqlite3_exec(db, "PRAGMA temp_store = MEMORY", 0, 0, 0);
  if (rc != SQLITE_OK) return rc;
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  if (sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, -1) != 0) return SQLITE_ERROR;
  rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_set_authorizer(db, guard_authorizer, 0);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
}
