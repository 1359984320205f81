// SQLite's session extension, for fieldsync-bench's changeset baseline only.
//
// <sqlite3.h> declares the session API (sqlite3session_*, sqlite3changeset_*) only when
// these two macros are defined; Debian's libsqlite3 is built with both, so the functions are
// in the library the package already links. GRDB's own module (GRDBSQLite) includes the
// same header without them and is left as it is.
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>
