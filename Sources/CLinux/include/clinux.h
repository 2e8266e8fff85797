#ifndef CLINUX_H
#define CLINUX_H

#include <stdint.h>

// Linux calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc module does not see.

// Starts writing back the dirty pages of a byte range without waiting (sync_file_range with
// SYNC_FILE_RANGE_WRITE); returns 0 or -1 with errno set.
int clinux_start_writeback(int fd, int64_t offset, int64_t length);

#endif
