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

/// Starts `path` with `argv` and `envp` (NULL-terminated) in a new process whose descriptors
/// 3, 4, ... are `fds[0..<fd_count]` (the way systemd passes sockets, `LISTEN_FDS`); every other
/// descriptor above 2 is closed in the child. `pid_slot`, when not NULL, points into one of the
/// `envp` strings (after `LISTEN_PID=`) with room for 20 bytes: the child writes its own pid
/// there before `execve`, as systemd does after its fork. The child starts with an empty signal
/// mask, default dispositions, and SIGTERM, SIGINT and SIGHUP ignored until it traps them itself
/// (so a stop sent while it starts is not fatal; the supervisor repeats it until the child exits).
/// The child gets SIGKILL when the calling *thread* ends (PR_SET_PDEATHSIG): call this from a
/// thread that lives until the child has exited (the one that waits for it).
///
/// Returns the child's pid and stores a pidfd for it in `*pidfd` (-1 on kernels without pidfds),
/// or returns -1 with errno when it could not fork. Everything the child needs is prepared by the
/// caller before the fork: the child only calls async-signal-safe functions.
pid_t dk_spawn_with_fds(const char *path, char *const argv[], char *const envp[], const int *fds, int fd_count,
                        char *pid_slot, int *pidfd);

/// Reaps the exited process of `pidfd` (waitid P_PIDFD) and returns its wait status as waitpid
/// reports it; -1 with errno (ECHILD when already reaped). Call once `dk_pidfd_wait_exit` said it exited.
int dk_pidfd_reap(int pidfd, pid_t pid);
#endif
