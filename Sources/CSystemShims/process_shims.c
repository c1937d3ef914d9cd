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

#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/// Writes `value` in decimal at `out` with a terminating zero (async-signal-safe).
static void dk_write_decimal(char *out, long value) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && n < 20);
    for (int i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    out[n] = 0;
}

pid_t dk_spawn_with_fds(const char *path, char *const argv[], char *const envp[], const int *fds, int fd_count,
                        char *pid_slot, int *pidfd) {
    *pidfd = -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        // Die with the thread that forked us (it lives exactly as long as we do, waiting for us):
        // a SIGKILLed supervisor takes its worker along, so the socket and the spool are free at once.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        // Move the passed descriptors out of the way first (above every target), then into 3, 4, ...
        int moved[16];
        int count = fd_count > 16 ? 16 : fd_count;
        for (int i = 0; i < count; i++) {
            moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3 + count);
            if (moved[i] < 0) _exit(127);
        }
        for (int i = 0; i < count; i++) {
            if (dup2(moved[i], 3 + i) < 0) _exit(127);  // dup2 clears close-on-exec on the target
        }
        syscall(SYS_close_range, (unsigned)(3 + count), ~0u, 0u);
        sigset_t empty;
        sigemptyset(&empty);
        for (int s = 1; s < NSIG; s++) {
            if (s == SIGKILL || s == SIGSTOP) continue;
            signal(s, (s == SIGTERM || s == SIGINT || s == SIGHUP) ? SIG_IGN : SIG_DFL);
        }
        sigprocmask(SIG_SETMASK, &empty, NULL);
        if (pid_slot) dk_write_decimal(pid_slot, (long)getpid());
        execve(path, argv, envp);
        _exit(127);
    }
    int fd = dk_pidfd_open(pid);
    *pidfd = fd;
    return pid;
}

int dk_pidfd_reap(int pidfd, pid_t pid) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    int rc;
    do {
        rc = pidfd >= 0 ? waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED)
                        : waitid(P_PID, (id_t)pid, &info, WEXITED);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -1;
    if (info.si_code == CLD_EXITED) return (info.si_status & 0xff) << 8;
    return info.si_status & 0x7f;  // killed by a signal: the signal number, as WTERMSIG reads it
}
