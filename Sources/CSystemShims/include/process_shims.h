#ifndef DHCPKAFKA_PROCESS_SHIMS_H
#define DHCPKAFKA_PROCESS_SHIMS_H
// Process handles (pidfds) that Swift cannot reach directly: glibc's wrappers need
// <sys/pidfd.h>, which the Glibc module does not export.
#include <sys/types.h>

/// A pidfd for process `pid` (close-on-exec), or -1 with errno (ESRCH: no such process;
/// ENOSYS: kernel older than 5.3). It refers to that process only, never to a later one that
/// reuses the number; it becomes readable (POLLIN) when the process exits.
int dk_pidfd_open(pid_t pid);
/// Sends `signal` to the process of `pidfd`; 0, or -1 with errno (ESRCH once it has exited).
int dk_pidfd_send_signal(int pidfd, int signal);
/// Waits up to `timeout_ms` (-1: for ever) for the process of `pidfd` to exit. 1 when it has,
/// 0 on timeout, -1 with errno (EINTR is retried).
int dk_pidfd_wait_exit(int pidfd, int timeout_ms);
#endif
