import DHCPKafkaSink
import Foundation

/// One lock for the two things in the test process that must never overlap: spawning a child, and
/// taking a mock broker down.
///
/// Between fork and exec a child holds a copy of every descriptor of the test process, including
/// the listening sockets of in-process mock brokers. librdkafka 2.0.2's mock closes a broker's
/// listener when it is set down and re-binds the same port at once; when a child of a concurrent
/// test still holds the old listener at that moment, the bind fails with EADDRINUSE and the mock
/// *asserts*, aborting the whole test process (seen in CI under a CPU hog: "Failed to bind mock
/// broker socket … Address already in use"). `Process.run()` returns only after the child has
/// exec'd (glibc's posix_spawn is a vfork), so holding this lock around both closes the window.
public enum SpawnGate {
    private static let lock = NSLock()

    /// Runs `body` (a `Process.run()`, or a mock broker going down) while no other gated call runs.
    public static func run<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

extension MockCluster {
    /// Sets broker `id` down while no child is being spawned (see ``SpawnGate``). Tests use this,
    /// never `setBrokerDown` directly.
    public func takeBrokerDown(_ id: Int32) throws {
        try SpawnGate.run { try setBrokerDown(id) }
    }
}
