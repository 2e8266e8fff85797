// Checks files against an md5sum-style list ("<md5>  <name>" per line, names relative to the
// working directory) with gen3's own MD5 (Sources/CDigest: eight files at a time where the CPU
// has AVX2). The benchmark's small-set machine reference uses it for the verification part of
// the work, so that the reference hashes no slower than gen3 does (md5sum hashes one file at a
// time). Exits 1 if a file is missing or differs. Built by scripts/bench.py.
#include "cdigest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { LANES = 8 };

static unsigned char *read_whole(const char *name, size_t *length) {
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    unsigned char *data = malloc(info.st_size > 0 ? (size_t)info.st_size : 1);
    size_t done = 0;
    while (data != NULL && done < (size_t)info.st_size) {
        ssize_t got = read(fd, data + done, (size_t)info.st_size - done);
        if (got <= 0) break;
        done += (size_t)got;
    }
    close(fd);
    *length = done;
    return data;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: md5_lanes SUMS\n");
        return 2;
    }
    FILE *sums = fopen(argv[1], "r");
    if (sums == NULL) {
        perror(argv[1]);
        return 2;
    }
    unsigned char *data[LANES];
    size_t lengths[LANES];
    char wanted[LANES][33], line[8192], name[8192];
    unsigned char digests[16 * LANES];
    long bad = 0;
    int held = 0, more = 1;
    while (more) {
        more = fgets(line, sizeof line, sums) != NULL;
        if (more) {
            if (sscanf(line, "%32s %8191[^\n]", wanted[held], name) != 2) continue;
            data[held] = read_whole(name, &lengths[held]);
            if (data[held] == NULL) {
                fprintf(stderr, "%s: cannot read\n", name);
                bad++;
                continue;
            }
            held++;
        }
        if (held == LANES || (!more && held > 0)) {
            if (cdigest_md5_many((size_t)held, (const unsigned char *const *)data, lengths, digests) != 1) return 2;
            for (int i = 0; i < held; i++) {
                char hex[33];
                for (int j = 0; j < 16; j++) snprintf(hex + 2 * j, 3, "%02x", digests[16 * i + j]);
                bad += strcmp(hex, wanted[i]) != 0;
                free(data[i]);
            }
            held = 0;
        }
    }
    fclose(sums);
    if (bad) fprintf(stderr, "%ld files missing or different\n", bad);
    return bad ? 1 : 0;
}
