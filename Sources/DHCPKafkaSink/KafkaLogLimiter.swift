import Synchronization

/// Rate-limits librdkafka's log lines per kind, so an outage is logged, not narrated.
///
/// librdkafka logs a connection failure (`FAIL`) and its `error_cb` echo (`ERROR`) on every
/// reconnect attempt, every 0.2–1 s, and a refused SASL login many times a second. The first line
/// of each kind passes; after that at most one per ``interval``, carrying how many of that kind
/// were suppressed since the last one. A kind is the facility plus the text with its varying parts
/// taken out (numbers, and the `(after Nms in state …)` tail), so the same failure repeating is
/// one kind however its timings vary. Bounded memory: at most ``maximumKinds`` kinds are tracked
/// (the table is cleared when full). Safe to call from librdkafka's threads.
public final class KafkaLogLimiter: Sendable {
    /// What to do with one line.
    public enum Decision: Equatable, Sendable {
        /// Log it; `suppressed` lines of the same kind were dropped since the last one logged.
        case log(suppressed: Int)
        /// Drop it (counted towards the next line of its kind that is logged).
        case drop
    }

    private struct Kind {
        var lastLogged: ContinuousClock.Instant
        var suppressed: Int
    }

    /// The least time between two logged lines of one kind.
    public let interval: Duration
    /// The most kinds tracked at once.
    public let maximumKinds = 256
    private let kinds = Mutex<[String: Kind]>([:])
    private let droppedTotal = Atomic<UInt64>(0)

    /// Makes a limiter passing one line per kind per `interval` (default: one minute).
    public init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    /// Lines dropped since the limiter was made.
    public var dropped: UInt64 { droppedTotal.load(ordering: .relaxed) }

    /// Decides about one line of `facility` with `message`.
    public func decide(facility: String, message: String, now: ContinuousClock.Instant = .now) -> Decision {
        let key = Self.kind(facility: facility, message: message)
        let decision = kinds.withLock { kinds -> Decision in
            if var kind = kinds[key] {
                guard now - kind.lastLogged >= interval else {
                    kind.suppressed += 1
                    kinds[key] = kind
                    return .drop
                }
                kinds[key] = Kind(lastLogged: now, suppressed: 0)
                return .log(suppressed: kind.suppressed)
            }
            if kinds.count >= maximumKinds { kinds.removeAll(keepingCapacity: true) }
            kinds[key] = Kind(lastLogged: now, suppressed: 0)
            return .log(suppressed: 0)
        }
        if decision == .drop { droppedTotal.add(1, ordering: .relaxed) }
        return decision
    }

    /// The facility and the message without its varying parts: digit runs become `#`, and
    /// everything from ` (after ` (librdkafka's timing tail) is dropped; at most 160 characters.
    public static func kind(facility: String, message: String) -> String {
        var text = Substring(message)
        if let tail = text.firstRange(of: " (after ") { text = text[..<tail.lowerBound] }
        var key = facility + ":"
        var inDigits = false
        for character in text.prefix(160) {
            if character.isASCII && character.isNumber {
                if !inDigits { key.append("#") }
                inDigits = true
            } else {
                key.append(character)
                inDigits = false
            }
        }
        return key
    }

    /// `reason` without librdkafka's varying `(after Nms in state …)` tail, so one failure
    /// repeating reads as one state.
    public static func stableReason(_ reason: String) -> String {
        guard let tail = reason.firstRange(of: " (after ") else { return reason }
        var rest = reason[tail.upperBound...]
        // Keep whatever follows the closing parenthesis (e.g. "; last error: …").
        if let close = rest.firstIndex(of: ")") { rest = rest[rest.index(after: close)...] } else { rest = "" }
        return String(reason[..<tail.lowerBound]) + rest
    }
}
