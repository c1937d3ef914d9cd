import Synchronization

/// What Kafka already holds of this spool beyond the acknowledged watermark, found at start by
/// ``DeduplicationScan``: the frames and gap records a previous forwarder process produced and
/// Kafka stored, but whose acknowledgement never reached the spool (a SIGKILL, a crash, a stop
/// that timed out). The forwarder skips them instead of producing them again.
///
/// A frame is skipped only when a record with this spool's identity, epoch and the frame's very
/// sequence was read back from Kafka: skipping never loses a frame, whatever partition it is in.
struct AlreadyInKafka: Sendable, Equatable {
    /// Sequences of frames found.
    private(set) var frames: Set<UInt64> = []
    /// Gap records found, first sequence → last sequence.
    private(set) var gaps: [UInt64: UInt64] = [:]
    /// The highest sequence found (0 when nothing was found).
    private(set) var highest: UInt64 = 0

    var isEmpty: Bool { frames.isEmpty && gaps.isEmpty }
    /// Frames plus gap records found.
    var count: Int { frames.count + gaps.count }

    mutating func insert(frame sequence: UInt64) {
        frames.insert(sequence)
        highest = max(highest, sequence)
    }

    mutating func insert(gap first: UInt64, through last: UInt64) {
        gaps[first] = max(gaps[first] ?? last, last)
        highest = max(highest, last)
    }

    func contains(_ sequence: UInt64) -> Bool { sequence <= highest && frames.contains(sequence) }

    /// The last sequence of a gap record found that starts at `first` and ends by `end`.
    func gap(startingAt first: UInt64, endingBy end: UInt64) -> UInt64? {
        guard let last = gaps[first], last <= end else { return nil }
        return last
    }

    /// Parses a `dhcpkafka-sequence` header: `N` for a frame, `first-last` for a gap record.
    static func parseSequence(_ bytes: [UInt8]) -> (first: UInt64, last: UInt64, isGap: Bool)? {
        let text = String(decoding: bytes, as: UTF8.self)
        if let sequence = UInt64(text) { return (sequence, sequence, false) }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = UInt64(parts[0]), let last = UInt64(parts[1]), first <= last else { return nil }
        return (first, last, true)
    }
}

/// The startup deduplication as the forward loop sees it: what to skip, and what was counted.
struct Deduplication {
    let found: AlreadyInKafka
    /// Skips are counted once per sequence, also when a rewind passes them again.
    var countedThrough: UInt64 = 0
}

extension ForwardLoop {
    /// Whether the frame at `sequence` is already in Kafka; if so it is put in the window as done
    /// (it leaves the spool with the watermark like an acknowledged frame) and counted.
    mutating func skipIfAlreadyInKafka(_ sequence: UInt64) -> Bool {
        guard let deduplication else { return false }
        guard watermark < deduplication.found.highest else {
            // Everything found is behind the watermark: nothing more to skip, ever.
            self.deduplication = nil
            return false
        }
        guard deduplication.found.contains(sequence) else { return false }
        window.add(first: sequence, last: sequence, bytes: 0, isGap: false)
        window.markDone(sequence)
        countSkip(through: sequence)
        return true
    }

    /// For a gap starting at `first` and ending by `end`: when Kafka already holds a gap record
    /// from `first`, puts it in the window as done and returns its last sequence.
    mutating func skipGapIfAlreadyInKafka(_ first: UInt64, endingBy end: UInt64) -> UInt64? {
        guard let last = deduplication?.found.gap(startingAt: first, endingBy: end) else { return nil }
        window.add(first: first, last: last, bytes: 0, isGap: true)
        window.markDone(first)
        countSkip(through: last)
        return last
    }

    private mutating func countSkip(through sequence: UInt64) {
        guard let counted = deduplication?.countedThrough, sequence > counted else { return }
        deduplication?.countedThrough = sequence
        counters.alreadyInKafkaCount.add(1, ordering: .relaxed)
    }
}

extension ForwarderCounters {
    /// Frames and gap records skipped at start because Kafka already held them (left there by a
    /// forwarder that stopped before their acknowledgement reached the spool).
    public var alreadyInKafka: UInt64 { alreadyInKafkaCount.load(ordering: .relaxed) }
    /// Times the startup scan could not be sure what Kafka holds: per partition not read back far
    /// enough (start deleted or compacted, scan limit), or once when the topic is not readable.
    /// Frames there are produced again (at-least-once).
    public var deduplicationFallbacks: UInt64 { deduplicationFallbackCount.load(ordering: .relaxed) }
    /// Records of this spool the startup scan found in a partition their key no longer maps to.
    public var deduplicationRemapped: UInt64 { deduplicationRemappedCount.load(ordering: .relaxed) }
    /// The startup scan's state: `not started`, `scanning`, `waiting for Kafka: …`, `done` or `fallback: …`.
    public var deduplicationState: String { deduplicationStateText.withLock { $0 } }

    func setDeduplicationState(_ text: String) { deduplicationStateText.withLock { $0 = text } }
}
