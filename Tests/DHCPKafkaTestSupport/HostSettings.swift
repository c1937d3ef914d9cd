import Foundation
import Synchronization

/// Host-wide kernel settings that tests change, and their restoration.
///
/// `net.unix.max_dgram_qlen` (per network namespace, read when a socket is created) is raised by
/// `dhcpkafka run` before it binds, and by tests that bind Unix datagram sockets themselves. The
/// value found before the first change is restored when the last concurrent holder of
/// ``withDatagramQueueLength(atLeast:_:)`` leaves, and again when the test process exits (undoing
/// what daemons started by the tests raised); a daemon or test binding in between raises it again.
public enum HostSettings {
    static let datagramQueuePath = "/proc/sys/net/unix/max_dgram_qlen"

    private struct State {
        var holders = 0
        var heldOriginal: Int?
        var processOriginal: Int?
    }

    private static let state = Mutex(State())

    /// Runs `body` with `net.unix.max_dgram_qlen` at least `minimum` (0: unchanged, but restored
    /// afterwards: for a test that changes it itself) and puts the previous value back afterwards.
    public static func withDatagramQueueLength<T>(atLeast minimum: Int, _ body: () throws -> T) rethrows -> T {
        rememberOriginalValues()
        state.withLock { state in
            let current = readDatagramQueueLength()
            if state.holders == 0 { state.heldOriginal = current }
            state.holders += 1
            if let current, current < minimum { writeDatagramQueueLength(minimum) }
        }
        defer {
            state.withLock { state in
                state.holders -= 1
                if state.holders == 0, let original = state.heldOriginal, readDatagramQueueLength() != original {
                    writeDatagramQueueLength(original)
                }
            }
        }
        return try body()
    }

    /// Notes the value before any daemon started by the tests raises it, to restore it at exit.
    /// ``ChildProcess`` calls this before it starts anything.
    public static func rememberOriginalValues() {
        state.withLock { state in
            guard state.processOriginal == nil, let current = readDatagramQueueLength() else { return }
            state.processOriginal = current
            atexit { HostSettings.restoreAtExit() }
        }
    }

    private static func restoreAtExit() {
        guard let original = state.withLock({ $0.processOriginal }), readDatagramQueueLength() != original else { return }
        writeDatagramQueueLength(original)
    }

    /// The current value, or `nil` when /proc cannot be read.
    public static func readDatagramQueueLength() -> Int? {
        guard let text = try? String(contentsOfFile: datagramQueuePath, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func writeDatagramQueueLength(_ value: Int) {
        let fd = open(datagramQueuePath, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array("\(value)\n".utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
