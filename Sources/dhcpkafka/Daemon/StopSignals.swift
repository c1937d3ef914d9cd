import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The last SIGINT or SIGTERM received, 0 if none; set by the handler ``StopSignals`` installs.
private let receivedStopSignal = Atomic<Int32>(0)

/// SIGINT and SIGTERM as a flag that a polling loop checks, so the loop can finish its current
/// step, flush its output and exit 0 instead of being killed mid-line.
enum StopSignals {
    /// Installs the handlers (once per process is enough; installing again is harmless).
    static func install() {
        for number in [SIGINT, SIGTERM] {
            // The handler only stores to an atomic: async-signal-safe.
            signal(number) { receivedStopSignal.store($0, ordering: .relaxed) }
        }
    }

    /// True once SIGINT or SIGTERM arrived.
    static var requested: Bool { receivedStopSignal.load(ordering: .relaxed) != 0 }

    /// Sleeps up to `seconds`, returning early when a stop signal arrives.
    static func sleep(_ seconds: Double) {
        var left = seconds
        while left > 0 && !requested {
            let step = min(left, 0.05)
            usleep(useconds_t(step * 1_000_000))
            left -= step
        }
    }
}
