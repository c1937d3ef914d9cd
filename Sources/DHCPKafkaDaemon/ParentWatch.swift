import CSystemShims
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Stops this process gracefully (SIGTERM to itself) once the `dhcpkafka run` that started it is
/// gone, so an orphaned forwarder never holds `forwarder.lock` against the next daemon.
///
/// The expected parent comes from ``ChildSupervisor/parentPIDVariable`` (set by the supervisor
/// before the fork), not from `getppid()` at start: if the daemon died before this code ran we have
/// been re-parented already, and `getppid()` would name init or a subreaper. The watch holds a pidfd
/// of the parent, opened and then confirmed with `getppid()` (a pidfd names one process for ever),
/// and waits for it to become readable: no polling of a pid number that could be reused.
public enum ParentWatch {
    /// Starts the watch (a thread of its own); exits at once when the parent is already gone.
    public static func start() {
        let environment = ProcessInfo.processInfo.environment[ChildSupervisor.parentPIDVariable]
        let expected = environment.flatMap { pid_t($0) } ?? getppid()
        let pidfd = dk_pidfd_open(expected)
        guard getppid() == expected else {
            if pidfd >= 0 { close(pidfd) }
            exitOrphaned(expected)
        }
        guard pidfd >= 0 else {
            // No pidfds (kernel before 5.3): fall back to watching our parent pid change.
            Thread.detachNewThread {
                while getppid() == expected { Thread.sleep(forTimeInterval: 0.5) }
                kill(getpid(), SIGTERM)
            }
            return
        }
        Thread.detachNewThread {
            // The pidfd stays open for the life of the process (one, owned by this thread).
            while dk_pidfd_wait_exit(pidfd, -1) != 1 { Thread.sleep(forTimeInterval: 0.5) }
            kill(getpid(), SIGTERM)
        }
    }

    /// The daemon died before this forwarder got going: exit at once, before taking any lock.
    private static func exitOrphaned(_ expected: pid_t) -> Never {
        FileHandle.standardError.write(Data(
            "dhcpkafka forward: the dhcpkafka run that started this forwarder (pid \(expected)) is gone; exiting\n".utf8))
        exit(1)
    }
}
