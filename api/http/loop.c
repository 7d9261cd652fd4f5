/* api/http/loop.c: a libmicrohttpd daemon's epoll loop on a thread of our own (see loop.h). */
#include "api/http/loop.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define WAIT_MAX_MS 500 /* a wake-up at least this often, whatever libmicrohttpd's timeouts say */

struct http__loop {
    struct MHD_Daemon *d;
    int epoll_fd; /* the daemon's */
    int wake_fd;  /* an eventfd: readable when the loop must stop or run resumed connections */
    atomic_bool stop;
    atomic_bool woken; /* a wake-up is written and not yet seen: later ones need no write */
    pthread_mutex_t run_mu; /* held around MHD_run and MHD_quiesce_daemon: one at a time */
    pthread_t thread;
};

static void *loop_main(void *arg) {
    http__loop *l = arg;
    struct pollfd pf[2] = {{.fd = l->epoll_fd, .events = POLLIN}, {.fd = l->wake_fd, .events = POLLIN}};
    while (!atomic_load(&l->stop)) {
        MHD_UNSIGNED_LONG_LONG to = 0;
        int ms = WAIT_MAX_MS;
        /* 0 when connections still hold data (edge-triggered readiness) or timeouts are due */
        if (MHD_get_timeout(l->d, &to) == MHD_YES && to < (MHD_UNSIGNED_LONG_LONG)WAIT_MAX_MS)
            ms = (int)to;
        if (poll(pf, 2, ms) < 0 && errno != EINTR) break;
        if (pf[1].revents & POLLIN) {
            uint64_t v;
            if (read(l->wake_fd, &v, sizeof v) < 0) { /* drained; a stop is checked below */
            }
        }
        /* cleared before the run: a resume after this point writes again */
        atomic_store(&l->woken, false);
        if (atomic_load(&l->stop)) break;
        pthread_mutex_lock(&l->run_mu);
        (void)MHD_run(l->d);
        pthread_mutex_unlock(&l->run_mu);
    }
    return NULL;
}

lm_status http__loop_start(struct MHD_Daemon *d, http__loop **out) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info || info->epoll_fd < 0) return LM_INTERNAL;
    http__loop *l = lm_calloc(1, sizeof *l);
    if (!l) return LM_NOMEM;
    l->d = d;
    l->epoll_fd = info->epoll_fd;
    l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->wake_fd < 0) {
        lm_free(l);
        return LM_INTERNAL;
    }
    atomic_init(&l->stop, false);
    atomic_init(&l->woken, false);
    pthread_mutex_init(&l->run_mu, NULL);
    if (pthread_create(&l->thread, NULL, loop_main, l) != 0) {
        pthread_mutex_destroy(&l->run_mu);
        close(l->wake_fd);
        lm_free(l);
        return LM_INTERNAL;
    }
    *out = l;
    return LM_OK;
}

void http__loop_wake(http__loop *l) {
    if (atomic_exchange(&l->woken, true)) return;
    uint64_t one = 1;
    if (write(l->wake_fd, &one, sizeof one) < 0) { /* only when the counter is full: woken */
    }
}

void http__loop_quiesce(http__loop *l) {
    pthread_mutex_lock(&l->run_mu);
    MHD_socket fd = MHD_quiesce_daemon(l->d);
    pthread_mutex_unlock(&l->run_mu);
    if (fd != MHD_INVALID_SOCKET) close(fd);
}

void http__loop_stop(http__loop *l) {
    if (!l) return;
    atomic_store(&l->stop, true);
    uint64_t one = 1;
    if (write(l->wake_fd, &one, sizeof one) < 0) { /* the loop's poll wakes within WAIT_MAX_MS */
    }
    pthread_join(l->thread, NULL);
    pthread_mutex_destroy(&l->run_mu);
    close(l->wake_fd);
    lm_free(l);
}
