// The system SQLite (libsqlite3-dev), exposed to Swift as is, and what Swift cannot call.
#include <sqlite3.h>

// SQLite keeps memory statistics under a global mutex, taken on every allocation of every
// connection; gen3 never reads them. sqlite3_config is variadic (not callable from Swift) and
// only works before SQLite initializes: returns SQLITE_MISUSE after.
static inline int gen3_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
