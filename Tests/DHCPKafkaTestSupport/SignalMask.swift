import Foundation

/// Runs `body` (a `Process.run()`) with only SIGCHLD blocked on the calling thread, so the child
/// starts with (almost) an empty signal mask.
///
/// Foundation's `Process` spawns on the calling thread and the child inherits that thread's mask.
/// Test code runs on Dispatch and Swift Testing worker threads, which block most signals; a child
/// started from there ignores SIGTERM (a DHCP server that never stops, a Python pool whose
/// `terminate()` hangs). Real daemons are started by init systems with an empty mask.
///
/// SIGCHLD stays blocked: Dispatch learns that children exited through it, and a thread with it
/// unblocked, even for a moment, can swallow another child's SIGCHLD, so that `Process` never
/// notices that child's exit.
public func withUnblockedSignals<T>(_ body: () throws -> T) rethrows -> T {
    var mask = sigset_t()
    var previous = sigset_t()
    sigemptyset(&mask)
    sigaddset(&mask, SIGCHLD)
    pthread_sigmask(SIG_SETMASK, &mask, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try SpawnGate.run(body)
}

/// `command` prefixed with a trampoline that clears the whole signal mask and then execs it (same
/// pid), so the command starts as under an init system, SIGCHLD unblocked too.
///
/// ``withUnblockedSignals(_:)`` has to leave SIGCHLD blocked in the spawning thread, so every child
/// inherits it blocked: fine for most tools, not for servers that reap their own children or rely on
/// plain signal handlers (DHCPKit's forkserver never notices a worker exit, so shutdown hangs in
/// `Pool.join()`). Only the child's mask changes here; the test process's stays as it is.
public func withEmptySignalMask(_ command: [String]) -> [String] {
    ["/usr/bin/python3", "-S", "-c",
     "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, ()); os.execv(sys.argv[1], sys.argv[1:])"]
        + command
}
