#!/usr/bin/env bash
# A real file system without the Linux calls the engine prefers, mounted at DIR for the tests
# (Tests/EndToEndTests/PortableFileSystemTests.swift), so that the portable path runs end to end:
#   bash scripts/portable-fs.sh mount DIR exfat    # exFAT (exfat-fuse) on a loop device over a sparse image
#   bash scripts/portable-fs.sh mount DIR bindfs   # a FUSE pass-through (bindfs) of a directory beside DIR
#   bash scripts/portable-fs.sh unmount DIR        # unmounts, and removes what mount made beside DIR
#   bash scripts/portable-fs.sh probe DIR          # prints what the file system at DIR refuses
# What each refuses, as this kernel (6.x) and Debian 12's packages have it (`probe` shows it):
#   exfat   no O_TMPFILE (EOPNOTSUPP), no renameat2 RENAME_NOREPLACE (EINVAL), no hard links (EPERM):
#           FAT-like volumes, some SMB and FUSE mounts
#   bindfs  no O_TMPFILE, no RENAME_NOREPLACE, hard links work: as NFS has it
# Both are FUSE: syncfs succeeds there without asking the daemon to write anything to its disk.
# The kernel here has neither vfat, exfat nor nfs (/proc/filesystems), so the file systems are
# FUSE ones; DIR must be empty (or missing), and its parent writable. Needs root (loop devices,
# mounts) and /dev/fuse. Mount prints nothing and exits non-zero, saying why, when it cannot.
set -euo pipefail
# mount.exfat-fuse, mkfs.exfat, losetup and mountpoint live in sbin, which a caller's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

usage() { echo "usage: $0 mount DIR exfat|bindfs | unmount DIR | probe DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1
dir=$(realpath -m "$2")
# What mount makes beside DIR: the image or the directory bindfs shows, and the kind.
state="$dir.portable-fs"

# The packages each kind needs (scripts/bootstrap.sh installs them; installing here would race
# the other test processes for dpkg's lock).
check_installed() {
  local commands=(fusermount3)
  case "$1" in
  exfat) commands+=(mount.exfat-fuse mkfs.exfat) ;;
  bindfs) commands+=(bindfs) ;;
  esac
  for command in "${commands[@]}"; do
    command -v "$command" >/dev/null || {
      echo "portable-fs.sh: $command is missing: install fuse3, exfat-fuse, exfatprogs and bindfs (scripts/bootstrap.sh does)" >&2
      exit 1
    }
  done
}

is_mounted() { mountpoint -q "$dir" 2>/dev/null; }

case "$command" in
mount)
  kind=${3:-}
  [ "$kind" = exfat ] || [ "$kind" = bindfs ] || usage
  [ "$(id -u)" -eq 0 ] || { echo "portable-fs.sh: mounting needs root" >&2; exit 1; }
  [ -c /dev/fuse ] || { echo "portable-fs.sh: no /dev/fuse here: FUSE file systems cannot be mounted" >&2; exit 1; }
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || { echo "portable-fs.sh: $dir is not empty" >&2; exit 1; }
  ! is_mounted || { echo "portable-fs.sh: $dir is a mount point already" >&2; exit 1; }
  [ ! -e "$state" ] || { echo "portable-fs.sh: $state is in the way" >&2; exit 1; }
  check_installed "$kind"
  mkdir "$state"
  echo "$kind" >"$state/kind"
  # The daemons' output goes to files beside DIR: they keep none of the caller's descriptors.
  case "$kind" in
  exfat)
    truncate -s 2G "$state/image"
    mkfs.exfat "$state/image" >"$state/mkfs.log" 2>&1 || { cat "$state/mkfs.log" >&2; rm -rf "$state"; exit 1; }
    # exfat-fuse as root wants a block device: a loop device, which the kernel detaches once the
    # daemon closes it (mount's autoclear), so unmount has none to detach.
    mount -t exfat-fuse -o loop "$state/image" "$dir" >"$state/mount.log" 2>&1 || { cat "$state/mount.log" >&2; rm -rf "$state"; exit 1; }
    ;;
  bindfs)
    mkdir "$state/source"
    bindfs --no-allow-other "$state/source" "$dir" >"$state/mount.log" 2>&1 || { cat "$state/mount.log" >&2; rm -rf "$state"; exit 1; }
    ;;
  esac
  is_mounted || { echo "portable-fs.sh: $dir did not become a mount point" >&2; exit 1; }
  ;;
unmount)
  if [ ! -e "$state/kind" ]; then
    if is_mounted; then echo "portable-fs.sh: $dir was not mounted by this script; left as it is" >&2; exit 1; fi
    exit 0
  fi
  # A process that was killed a moment ago may still hold a file open there: a few tries, then
  # a lazy unmount (the file system goes when its last file closes).
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    is_mounted || break
    umount "$dir" 2>/dev/null && break
    sleep 0.5
  done
  if is_mounted; then umount -l "$dir"; fi
  rm -rf "$state"
  ;;
probe)
  python3 - "$dir" <<'PY'
import ctypes, errno, os, sys
directory = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
def outcome(call):
    try:
        call()
        return "works"
    except OSError as error:
        return "refused: " + errno.errorcode.get(error.errno, str(error.errno))
def tmpfile():
    os.close(os.open(directory, os.O_TMPFILE | os.O_RDWR, 0o600))
a, b, c = (os.path.join(directory, ".probe-" + name) for name in "abc")
for path in (a, b, c):
    if os.path.lexists(path): os.unlink(path)
open(a, "w").close()
def noreplace():
    # renameat2(AT_FDCWD, a, AT_FDCWD, c, RENAME_NOREPLACE) to a free name
    if libc.renameat2(-100, a.encode(), -100, c.encode(), 1) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    os.rename(c, a)
def link():
    os.link(a, b)
    os.unlink(b)
def syncfs():
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if libc.syncfs(fd) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
    finally:
        os.close(fd)
print("O_TMPFILE:", outcome(tmpfile))
print("renameat2 RENAME_NOREPLACE:", outcome(noreplace))
print("link:", outcome(link))
print("syncfs:", outcome(syncfs))
os.unlink(a)
PY
  ;;
*) usage ;;
esac
