// The system libpq (libpq-dev), exposed to Swift as is; pkg-config's libpq puts its directory
// (/usr/include/postgresql on Debian) on the include path.
#include <libpq-fe.h>
