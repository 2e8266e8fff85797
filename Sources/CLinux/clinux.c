#define _GNU_SOURCE
#include "clinux.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/vfs.h>
#include <unistd.h>

int clinux_start_writeback(int fd, int64_t offset, int64_t length) {
    return sync_file_range(fd, (off64_t)offset, (off64_t)length, SYNC_FILE_RANGE_WRITE);
}

int clinux_syncfs(int fd) {
    return syncfs(fd);
}

int64_t clinux_file_system_type(int fd) {
    struct statfs info;
    return fstatfs(fd, &info) == 0 ? (int64_t)info.f_type : -1;
}

int clinux_open_unnamed(const char *directory, unsigned int mode) {
    return open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)mode);
}

int clinux_open_direct(const char *path) {
    return open(path, O_WRONLY | O_DIRECT | O_NOFOLLOW | O_CLOEXEC);
}

int clinux_link_unnamed(int fd, const char *path) {
    // The empty path skips resolving a /proc link per file (a quarter of a link's cost here).
    if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0) return 0;
    // Kernels before 6.10 refuse it without CAP_DAC_READ_SEARCH, with ENOENT.
    if (errno != ENOENT && errno != EPERM && errno != EINVAL) return -1;
    char source[32];
    snprintf(source, sizeof source, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, source, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

int clinux_rename_noreplace(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}
