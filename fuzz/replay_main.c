/* fuzz/replay_main.c: a main() for the fuzz targets without libFuzzer, so that `make test` (gcc,
 * ASan + UBSan) replays every committed corpus file through LLVMFuzzerTestOneInput. Arguments
 * are files or directories (every regular file inside, in name order, not recursive). Exits 1
 * when no input was found, so that an empty or misplaced corpus fails the test instead of
 * passing it; a finding aborts through the sanitizers as it would under libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILES 100000
#define REPLAY_MAX_BYTES (16u << 20) /* a larger file fails the replay */

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feeds one file; 0 when it cannot be read (reported, and the replay fails). The buffer has the
 * file's exact size, so that ASan sees a read one byte past the input as libFuzzer does. */
static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || st.st_size < 0 || st.st_size > REPLAY_MAX_BYTES) {
        fprintf(stderr, "replay: cannot read %s, or it is larger than %u bytes\n", path,
                REPLAY_MAX_BYTES);
        if (f) fclose(f);
        return 0;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    size_t got = buf ? fread(buf, 1, n, f) : 0;
    fclose(f);
    if (!buf || got != n) {
        fprintf(stderr, "replay: short read of %s\n", path);
        free(buf);
        return 0;
    }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 1;
}

/* Replays every regular file of dir in name order; returns how many, or -1 on an error. */
static long replay_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    char **names = calloc(REPLAY_MAX_FILES, sizeof *names);
    size_t n = 0;
    const struct dirent *e;
    while (names && n < REPLAY_MAX_FILES && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(len))) break;
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (!names) return -1;
    qsort(names, n, sizeof *names, cmp_name);
    long done = 0;
    int unreadable = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(names[i]))
                done++;
            else
                unreadable = 1;
        }
        free(names[i]);
    }
    free(names);
    return unreadable ? -1 : done;
}

int main(int argc, char **argv) {
    long total = 0;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
            failed = 1;
            continue;
        }
        long n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]) ? 1 : -1;
        if (n < 0) {
            failed = 1;
            continue;
        }
        printf("replay: %s: %ld inputs\n", argv[i], n);
        total += n;
    }
    if (total == 0) fprintf(stderr, "replay: no input replayed\n");
    return failed || total == 0 ? 1 : 0;
}
