/* tests/durability/powerloss.c: an LD_PRELOAD shim that keeps, for every file under one
 * directory, the image the disk would hold after a power loss: what was written and then
 * fsync'ed (or fdatasync'ed). The process runs normally (writes go through, it reads its own
 * writes); the shim copies synced data into a shadow directory. After the process is killed
 * (SIGKILL: every thread stops at once), powerloss_apply.py puts each file back to its shadow
 * image, or removes it if it never became durable: the files end as after a power cut.
 *
 * Environment: LASTMILE_POWERLOSS_DIR (the watched directory, absolute, files directly inside it)
 * and LASTMILE_POWERLOSS_SHADOW (where the images go). Unset: the shim only passes calls through.
 *
 * Model (stricter than a real disk on data, like ext4 on names):
 * - a write, pwrite or pwritev is durable only after an fsync/fdatasync of that file (any fd);
 * - a file created under the shim exists after the crash once it (or the directory) is synced;
 *   a file that existed before keeps its content at first open until synced again;
 * - unlink and rename become durable at the next fsync of the directory (rename: or of the
 *   target); until then the crash brings back the old names with their durable content;
 * - ftruncate changes the size, durable at the next sync; close syncs nothing;
 * - "-shm" files (SQLite's shared-memory index, written through mmap and rebuilt after a crash)
 *   are not tracked.
 * In the shadow directory, NAME.seen marks a file the shim tracks and NAME.img holds its durable
 * image (absent: the file would not exist after the crash). Test-only code, never in lastmile. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FILES  64
#define MAX_FDS    4096
#define MAX_RANGES 4096
#define NAME_MAX_  200

typedef struct range {
    off_t off, len;
} range;

typedef struct file {
    bool used;
    char name[NAME_MAX_ + 1]; /* base name inside the watched directory */
    bool whole;               /* created or truncated: the next sync copies the whole file */
    range *dirty;             /* written since the last sync, unsorted, may overlap */
    size_t n_dirty;
    char renamed_from[NAME_MAX_ + 1]; /* pending rename: the old name's image goes at sync */
    bool gone; /* unlinked or renamed away: its image goes at the next directory sync */
} file;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static file files[MAX_FILES];
static int fd_file[MAX_FDS]; /* fd -> index + 1 into files; -1 for the directory itself */
static char dir[PATH_MAX], shadow[PATH_MAX];
static size_t dir_len;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_rename)(const char *, const char *);
static int (*real_unlink)(const char *);
static int (*real_close)(int);

/* dlsym returns an object pointer; POSIX guarantees it holds a function's address */
#define RESOLVE(name)                                                                              \
    do {                                                                                           \
        void *sym_ = dlsym(RTLD_NEXT, #name);                                                      \
        memcpy(&real_##name, &sym_, sizeof sym_);                                                  \
    } while (0)

static void die(const char *what) {
    char msg[512];
    int n = snprintf(msg, sizeof msg, "powerloss shim: %s: %s\n", what, strerror(errno));
    if (n > 0 && real_write) (void)real_write(2, msg, (size_t)n);
    _exit(99); /* a harness that silently loses track would prove nothing */
}

static void init(void) {
    RESOLVE(open);
    RESOLVE(open64);
    RESOLVE(openat);
    RESOLVE(write);
    RESOLVE(pwrite);
    RESOLVE(pwrite64);
    RESOLVE(pwritev);
    RESOLVE(writev);
    RESOLVE(fsync);
    RESOLVE(fdatasync);
    RESOLVE(ftruncate);
    RESOLVE(ftruncate64);
    RESOLVE(rename);
    RESOLVE(unlink);
    RESOLVE(close);
    const char *d = getenv("LASTMILE_POWERLOSS_DIR"), *s = getenv("LASTMILE_POWERLOSS_SHADOW");
    if (!d || !s || !*d || !*s) return;
    if (strlen(d) >= sizeof dir - 2 || strlen(s) >= sizeof shadow - NAME_MAX_ - 8) return;
    memcpy(dir, d, strlen(d) + 1);
    dir_len = strlen(dir);
    while (dir_len > 1 && dir[dir_len - 1] == '/')
        dir[--dir_len] = '\0';
    memcpy(shadow, s, strlen(s) + 1);
}

static bool active(void) {
    pthread_once(&once, init);
    return dir_len > 0;
}

/* The base name of path when it is directly inside the watched directory, else NULL. Relative
 * paths are not watched: the server is given absolute ones. */
static const char *watched_name(const char *path) {
    if (!path || strncmp(path, dir, dir_len) || path[dir_len] != '/') return NULL;
    const char *name = path + dir_len + 1;
    if (!*name || strchr(name, '/') || strlen(name) > NAME_MAX_) return NULL;
    size_t n = strlen(name);
    if (n >= 4 && !strcmp(name + n - 4, "-shm")) return NULL;
    return name;
}

static bool is_dir_path(const char *path) {
    if (!path || strncmp(path, dir, dir_len)) return false;
    return path[dir_len] == '\0' || (path[dir_len] == '/' && path[dir_len + 1] == '\0');
}

/* The init check on the shadow directory's length leaves room for any tracked name, so a
 * truncated path is a bug in the shim: stop rather than write beside the wrong file. */
static void shadow_path(char *out, size_t cap, const char *name, const char *ext) {
    int n = snprintf(out, cap, "%s/%s.%s", shadow, name, ext);
    if (n < 0 || (size_t)n >= cap) abort();
}

/* Copies [off, off + len) of fd into the image file img (both open), with the real calls. */
static void copy_range(int fd, int img, off_t off, off_t len) {
    char buf[65536];
    while (len > 0) {
        size_t want = len > (off_t)sizeof buf ? sizeof buf : (size_t)len;
        ssize_t got = pread(fd, buf, want, off);
        if (got < 0) die("pread");
        if (got == 0) break; /* beyond the end: the size was set already */
        if (real_pwrite(img, buf, (size_t)got, off) != got) die("pwrite image");
        off += got;
        len -= got;
    }
}

static int open_src(const char *name) {
    char p[PATH_MAX + NAME_MAX_ + 2];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return real_open(p, O_RDONLY | O_CLOEXEC);
}

static file *find(const char *name) {
    for (size_t i = 0; i < MAX_FILES; i++)
        if (files[i].used && !strcmp(files[i].name, name)) return &files[i];
    return NULL;
}

/* Starts tracking name. existed: its current content is its durable image. */
static file *track(const char *name, bool existed) {
    file *f = find(name);
    if (f) return f;
    for (size_t i = 0; i < MAX_FILES && !f; i++)
        if (!files[i].used) f = &files[i];
    if (!f) {
        errno = EMFILE;
        die("too many watched files");
    }
    memset(f, 0, sizeof *f);
    f->used = true;
    memcpy(f->name, name, strlen(name) + 1);
    char p[PATH_MAX];
    shadow_path(p, sizeof p, name, "seen");
    int m = real_open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (m < 0) die("mark seen");
    real_close(m);
    if (existed) {
        shadow_path(p, sizeof p, name, "img");
        int img = real_open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int src = open_src(name);
        if (img < 0 || src < 0) die("first image");
        struct stat st;
        if (fstat(src, &st) != 0) die("fstat");
        copy_range(src, img, 0, st.st_size);
        real_close(src);
        real_close(img);
    }
    return f;
}

static void mark_dirty(int fd, off_t off, off_t len) {
    if (fd < 0 || fd >= MAX_FDS || fd_file[fd] <= 0 || len <= 0) return;
    file *f = &files[fd_file[fd] - 1];
    if (f->whole) return;
    if (!f->dirty && !(f->dirty = calloc(MAX_RANGES, sizeof *f->dirty))) die("calloc");
    if (f->n_dirty == MAX_RANGES) { /* too many pieces: copy it all at the next sync */
        f->whole = true;
        f->n_dirty = 0;
        return;
    }
    /* SQLite appends frame after frame: grow the last range when this one follows it */
    range *last = f->n_dirty ? &f->dirty[f->n_dirty - 1] : NULL;
    if (last && off >= last->off && off <= last->off + last->len) {
        if (off + len > last->off + last->len) last->len = off + len - last->off;
        return;
    }
    f->dirty[f->n_dirty++] = (range){off, len};
}

/* Makes f's current content its durable image (an fsync of f). */
static void sync_file(file *f, int fd) {
    char p[PATH_MAX];
    if (f->renamed_from[0]) {
        shadow_path(p, sizeof p, f->renamed_from, "img");
        real_unlink(p);
        f->renamed_from[0] = '\0';
        f->whole = true;
    }
    shadow_path(p, sizeof p, f->name, "img");
    struct stat img_st;
    if (stat(p, &img_st) != 0) f->whole = true; /* first sync of a new file */
    int img = real_open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (img < 0) die("open image");
    struct stat st;
    if (fstat(fd, &st) != 0) die("fstat");
    int src = open_src(f->name);
    if (src < 0) die("reopen source");
    if (real_ftruncate(img, f->whole ? 0 : st.st_size) != 0) die("truncate image");
    if (f->whole) {
        if (real_ftruncate(img, st.st_size) != 0) die("size image");
        copy_range(src, img, 0, st.st_size);
    } else {
        for (size_t i = 0; i < f->n_dirty; i++)
            copy_range(src, img, f->dirty[i].off, f->dirty[i].len);
    }
    real_close(src);
    real_close(img);
    f->whole = false;
    f->n_dirty = 0;
}

/* An fsync of the directory: names become durable. */
static void sync_dir(void) {
    char p[PATH_MAX];
    for (size_t i = 0; i < MAX_FILES; i++) { /* renames first: they move images */
        file *f = &files[i];
        if (!f->used || !f->renamed_from[0]) continue;
        char from[PATH_MAX];
        shadow_path(from, sizeof from, f->renamed_from, "img");
        shadow_path(p, sizeof p, f->name, "img");
        if (real_rename(from, p) != 0 && errno != ENOENT) die("rename image");
        f->renamed_from[0] = '\0';
    }
    for (size_t i = 0; i < MAX_FILES; i++) {
        file *f = &files[i];
        if (!f->used) continue;
        shadow_path(p, sizeof p, f->name, "img");
        if (f->gone) {
            real_unlink(p);
            continue;
        }
        /* the name is on disk now, with the data synced so far: none for a new file */
        int img = real_open(p, O_WRONLY | O_CREAT | O_CLOEXEC | (f->whole ? O_TRUNC : 0), 0600);
        if (img < 0) die("open image");
        real_close(img);
    }
}

static void after_open(const char *path, int flags, int fd, bool existed) {
    if (fd < 0 || fd >= MAX_FDS || !active()) return;
    pthread_mutex_lock(&mu);
    fd_file[fd] = 0;
    const char *name = watched_name(path);
    if (is_dir_path(path)) {
        fd_file[fd] = -1;
    } else if (name) {
        file *f = track(name, existed);
        if (!existed || (flags & O_TRUNC)) {
            f->whole = true;
            f->n_dirty = 0;
        }
        f->gone = false;
        fd_file[fd] = (int)(f - files) + 1;
    }
    pthread_mutex_unlock(&mu);
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static int do_open(int (*fn)(const char *, int, ...), const char *path, int flags, mode_t mode) {
    bool watched = active() && (watched_name(path) || is_dir_path(path));
    bool existed = watched && exists(path);
    int fd = fn(path, flags, mode);
    if (watched) after_open(path, flags, fd, existed);
    return fd;
}

int open(const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    pthread_once(&once, init);
    return do_open(real_open, path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    pthread_once(&once, init);
    return do_open(real_open64, path, flags, mode);
}

int openat(int dfd, const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    pthread_once(&once, init);
    if (path[0] == '/') return do_open(real_open, path, flags, mode);
    return real_openat(dfd, path, flags, mode); /* relative: not watched */
}

static bool tracked_fd(int fd) {
    return active() && fd >= 0 && fd < MAX_FDS && fd_file[fd] != 0;
}

ssize_t write(int fd, const void *buf, size_t n) {
    pthread_once(&once, init);
    if (!tracked_fd(fd)) return real_write(fd, buf, n);
    pthread_mutex_lock(&mu);
    off_t at = lseek(fd, 0, SEEK_CUR);
    ssize_t w = real_write(fd, buf, n);
    if (w > 0) {
        if (fcntl(fd, F_GETFL) & O_APPEND) at = lseek(fd, 0, SEEK_CUR) - w;
        mark_dirty(fd, at, w);
    }
    pthread_mutex_unlock(&mu);
    return w;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
    pthread_once(&once, init);
    if (!tracked_fd(fd)) return real_writev(fd, iov, cnt);
    pthread_mutex_lock(&mu);
    off_t at = lseek(fd, 0, SEEK_CUR);
    ssize_t w = real_writev(fd, iov, cnt);
    if (w > 0) mark_dirty(fd, at, w);
    pthread_mutex_unlock(&mu);
    return w;
}

static ssize_t do_pwrite(ssize_t (*fn)(int, const void *, size_t, off_t), int fd, const void *buf,
                         size_t n, off_t off) {
    if (!tracked_fd(fd)) return fn(fd, buf, n, off);
    pthread_mutex_lock(&mu);
    ssize_t w = fn(fd, buf, n, off);
    if (w > 0) mark_dirty(fd, off, w);
    pthread_mutex_unlock(&mu);
    return w;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    pthread_once(&once, init);
    return do_pwrite(real_pwrite, fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
    pthread_once(&once, init);
    return do_pwrite(real_pwrite64, fd, buf, n, off);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
    pthread_once(&once, init);
    if (!tracked_fd(fd)) return real_pwritev(fd, iov, cnt, off);
    pthread_mutex_lock(&mu);
    ssize_t w = real_pwritev(fd, iov, cnt, off);
    if (w > 0) mark_dirty(fd, off, w);
    pthread_mutex_unlock(&mu);
    return w;
}

static int do_sync(int (*fn)(int), int fd) {
    if (!tracked_fd(fd)) return fn(fd);
    pthread_mutex_lock(&mu);
    int rc = fn(fd);
    if (rc == 0) {
        if (fd_file[fd] < 0)
            sync_dir();
        else
            sync_file(&files[fd_file[fd] - 1], fd);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

int fsync(int fd) {
    pthread_once(&once, init);
    return do_sync(real_fsync, fd);
}

int fdatasync(int fd) {
    pthread_once(&once, init);
    return do_sync(real_fdatasync, fd);
}

static int do_ftruncate(int (*fn)(int, off_t), int fd, off_t len) {
    if (!tracked_fd(fd) || fd_file[fd] < 0) return fn(fd, len);
    pthread_mutex_lock(&mu);
    struct stat st;
    bool grew = fstat(fd, &st) == 0 && len > st.st_size;
    int rc = fn(fd, len);
    /* shrinking is applied at the sync (the image is cut to the size); growing adds zeros */
    if (rc == 0 && grew) mark_dirty(fd, st.st_size, len - st.st_size);
    pthread_mutex_unlock(&mu);
    return rc;
}

int ftruncate(int fd, off_t len) {
    pthread_once(&once, init);
    return do_ftruncate(real_ftruncate, fd, len);
}

int ftruncate64(int fd, off_t len) {
    pthread_once(&once, init);
    return do_ftruncate(real_ftruncate64, fd, len);
}

int unlink(const char *path) {
    pthread_once(&once, init);
    const char *name = active() ? watched_name(path) : NULL;
    if (!name) return real_unlink(path);
    pthread_mutex_lock(&mu);
    int rc = real_unlink(path);
    if (rc == 0) {
        file *f = find(name);
        if (f) f->gone = true; /* untracked: it was never opened, nothing to restore */
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

int rename(const char *from, const char *to) {
    pthread_once(&once, init);
    const char *a = active() ? watched_name(from) : NULL, *b = active() ? watched_name(to) : NULL;
    if (!a && !b) return real_rename(from, to);
    pthread_mutex_lock(&mu);
    int rc = real_rename(from, to);
    if (rc == 0 && b) {
        file *fb = find(b);
        if (!fb) fb = track(b, false);
        file *fa = a ? find(a) : NULL;
        if (fa) { /* b now is a's file: a's fds and pending writes follow it */
            for (int fd = 0; fd < MAX_FDS; fd++)
                if (fd_file[fd] == (int)(fa - files) + 1) fd_file[fd] = (int)(fb - files) + 1;
            fa->gone = true;
        }
        memcpy(fb->renamed_from, a ? a : "", a ? strlen(a) + 1 : 1);
        fb->whole = true;
        fb->gone = false;
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

int close(int fd) {
    pthread_once(&once, init);
    if (fd >= 0 && fd < MAX_FDS && fd_file[fd] != 0) {
        pthread_mutex_lock(&mu);
        fd_file[fd] = 0;
        pthread_mutex_unlock(&mu);
    }
    return real_close(fd);
}
