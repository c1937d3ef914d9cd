import Logging
import Synchronization

/// Logs at most one line per key per interval, saying how many were suppressed in between,
/// so a misbehaving writer cannot flood the log (no log line per frame).
final class RateLimitedLog: Sendable {
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex<[String: (last: ContinuousClock.Instant, suppressed: Int)]>([:])

    init(logger: Logger, interval: Duration = .seconds(10)) {
        self.logger = logger
        self.interval = interval
    }

    func warning(key: String, _ message: @autoclosure () -> String, metadata: Logger.Metadata = [:]) {
        let now = ContinuousClock.now
        let suppressed: Int? = state.withLock { entries in
            if let entry = entries[key], now - entry.last < interval {
                entries[key] = (entry.last, entry.suppressed + 1)
                return nil
            }
            let count = entries[key]?.suppressed ?? 0
            entries[key] = (now, 0)
            return count
        }
        guard let suppressed else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.warning("\(message())", metadata: metadata)
    }
}
