// The system SQLite (libsqlite3-dev), exposed to Swift as is.
#include <sqlite3.h>
