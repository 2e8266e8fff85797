#ifndef CLINUX_H
#define CLINUX_H

#include <stdint.h>

#ifndef __linux__
#error "gen3-swift builds on Linux only: these calls (syncfs, O_TMPFILE, linkat AT_EMPTY_PATH, O_DIRECT, sync_file_range, renameat2) have no portable fall-backs yet"
#endif

// Linux calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc module does not see.
// Each maps one-to-one to the call it names (one falls back to a second way, as it says).

// Starts writing back the dirty pages of a byte range without waiting (sync_file_range with
// SYNC_FILE_RANGE_WRITE); returns 0 or -1 with errno set.
int clinux_start_writeback(int fd, int64_t offset, int64_t length);

// syncfs(2): writes every dirty page and inode of the file system holding fd, then flushes the
// device cache once; returns 0 or -1 with errno set (writeback errors are reported since Linux 5.8).
int clinux_syncfs(int fd);

// The f_type of fstatfs(2) on fd: the magic number of the file system holding it (EXT4_SUPER_MAGIC,
// FUSE_SUPER_MAGIC, …, as <linux/magic.h> names them), or -1 with errno set.
int64_t clinux_file_system_type(int fd);

// open(2) of `directory` with O_TMPFILE | O_RDWR | O_CLOEXEC: a file with no name yet, in that
// directory's file system, that `linkat` can give a name once it is complete.
int clinux_open_unnamed(const char *directory, unsigned int mode);

// Gives the unnamed file open as `fd` the name `path` (never replacing anything there):
// linkat(2) with AT_EMPTY_PATH, which Linux allows the file's opener since 6.10, and through
// /proc/self/fd where it does not; returns 0 or -1 with errno set.
int clinux_link_unnamed(int fd, const char *path);

// renameat2(2) of `from` to `to` with RENAME_NOREPLACE: EEXIST when something is at `to`; EINVAL
// where the file system has no such rename (FUSE, NFS, FAT), ENOSYS where the kernel has none.
// Returns 0 or -1 with errno set.
int clinux_rename_noreplace(const char *from, const char *to);

// open(2) of an existing file with O_WRONLY | O_DIRECT | O_NOFOLLOW | O_CLOEXEC: writes that bypass
// the page cache (offsets, lengths and buffers aligned); -1 with errno where the file system refuses.
int clinux_open_direct(const char *path);

#endif
