#define _GNU_SOURCE
#include "clinux.h"

#include <fcntl.h>
#include <unistd.h>

int clinux_start_writeback(int fd, int64_t offset, int64_t length) {
    return sync_file_range(fd, (off64_t)offset, (off64_t)length, SYNC_FILE_RANGE_WRITE);
}

int clinux_syncfs(int fd) {
    return syncfs(fd);
}

int clinux_open_unnamed(const char *directory, unsigned int mode) {
    return open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)mode);
}

int clinux_open_direct(const char *path) {
    return open(path, O_WRONLY | O_DIRECT | O_NOFOLLOW | O_CLOEXEC);
}
