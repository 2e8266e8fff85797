// The system SQLite (libsqlite3-dev), exposed to Swift as is, and what Swift cannot call.
#include <sqlite3.h>

// SQLite's process-wide settings. sqlite3_config is variadic (not callable from Swift) and only
// works before SQLite initializes: each call returns SQLITE_MISUSE after.
//
// Memory statistics are kept under a global mutex, taken on every allocation of every
// connection; gen3 never reads them. A statement's journal (the pages it changed, kept until it
// ends so that it can be undone alone) goes to a new file in the temporary directory once it
// outgrows SQLite's 64 KiB, as a claim of a few hundred rows does; up to 1 MiB it stays in memory.
static inline int gen3_sqlite_configure(void) {
    int code = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    int spill = sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 1 << 20);
    return code != SQLITE_OK ? code : spill;
}
