import Foundation

/// Runs `body` (a `Process.run()`) with no signals blocked on the calling thread, so the child
/// starts with an empty signal mask.
///
/// Foundation's `Process` spawns on the calling thread and the child inherits that thread's mask.
/// Test code runs on Dispatch and Swift Testing worker threads, which block most signals (SIGTERM,
/// SIGCHLD among them); a child started from there ignores SIGTERM, and a Python
/// `multiprocessing` child never hears its workers exit. Real daemons are started by init systems
/// with an empty mask: the tests must start them the same way.
public func withUnblockedSignals<T>(_ body: () throws -> T) rethrows -> T {
    var empty = sigset_t()
    var previous = sigset_t()
    sigemptyset(&empty)
    pthread_sigmask(SIG_SETMASK, &empty, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
}
