#define _GNU_SOURCE
#include "process_shims.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

int dk_pidfd_open(pid_t pid) {
    // pidfds are close-on-exec by design (PIDFD_NONBLOCK is the only flag).
    return (int)syscall(SYS_pidfd_open, pid, 0u);
}

int dk_pidfd_send_signal(int pidfd, int signal) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0u);
}

int dk_pidfd_wait_exit(int pidfd, int timeout_ms) {
    struct pollfd entry = {.fd = pidfd, .events = POLLIN};
    for (;;) {
        int rc = poll(&entry, 1, timeout_ms);
        if (rc >= 0) return rc > 0 ? 1 : 0;
        if (errno != EINTR) return -1;
    }
}
