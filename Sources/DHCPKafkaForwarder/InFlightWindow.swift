/// Records produced and not yet removed from the spool, in sequence order.
///
/// Each entry covers one frame, or for a gap record the whole evicted range. An entry is *done*
/// when Kafka acknowledged it or the frame went to the dead letters. The acknowledged watermark
/// may only move over a contiguous run of done entries: nothing leaves the spool out of order.
struct InFlightWindow {
    struct Entry {
        /// First sequence covered (the frame's own sequence).
        let first: UInt64
        /// Last sequence covered (`first` for a frame; the range end for a gap record).
        let last: UInt64
        let bytes: Int
        let isGap: Bool
        /// The frame's timestamp-in (0 when unknown), for the delivery latency.
        let timestampIn: Double
        var done = false
        /// Whether Kafka acknowledged it (done and not dead-lettered).
        var delivered = false
        /// Whether the record is still owed a delivery report by the producer.
        var awaitingReport = true
    }

    private(set) var entries: [Entry] = []
    private var head = 0
    private(set) var bytes = 0

    /// Records not yet done and still counted against the window.
    var count: Int { entries.count - head }
    var isEmpty: Bool { head == entries.count }
    /// How many entries still wait for a delivery report.
    var awaitingReports: Int { entries[head...].reduce(0) { $0 + ($1.awaitingReport ? 1 : 0) } }

    mutating func add(first: UInt64, last: UInt64, bytes: Int, isGap: Bool, timestampIn: Double = 0) {
        entries.append(Entry(first: first, last: last, bytes: bytes, isGap: isGap, timestampIn: timestampIn))
        self.bytes += bytes
    }

    /// The index of the entry starting at `first`, if it is in the window.
    func index(of first: UInt64) -> Int? {
        // Reports come mostly in order and entries are mostly one sequence each: try where `first`
        // would be if every entry were one frame, then binary search (entries are sorted by `first`).
        if head < entries.count, first >= entries[head].first {
            let offset = first - entries[head].first
            if offset < UInt64(entries.count - head), entries[head + Int(offset)].first == first {
                return head + Int(offset)
            }
        }
        var low = head
        var high = entries.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if entries[mid].first == first { return mid }
            if entries[mid].first < first { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    /// The entry starting at `first`, if it is in the window.
    func entry(_ first: UInt64) -> Entry? { index(of: first).map { entries[$0] } }

    /// Marks an entry done (acknowledged or dead-lettered).
    mutating func markDone(_ first: UInt64) {
        guard let i = index(of: first) else { return }
        markDone(at: i)
    }

    /// Marks the entry at `index` (from ``index(of:)``) done.
    mutating func markDone(at index: Int) {
        entries[index].done = true
        entries[index].awaitingReport = false
    }

    /// Marks the entry at `index` done because Kafka acknowledged it.
    mutating func markDelivered(at index: Int) {
        markDone(at: index)
        entries[index].delivered = true
    }

    /// Marks that an entry's report arrived without it being done (a failure to retry).
    mutating func markReported(_ first: UInt64) {
        guard let i = index(of: first) else { return }
        entries[i].awaitingReport = false
    }

    /// The last sequence of the run of done entries at the front, if any.
    var donePrefixEnd: UInt64? {
        var end: UInt64?
        var i = head
        while i < entries.count, entries[i].done {
            end = entries[i].last
            i += 1
        }
        return end
    }

    /// Drops the done entries at the front through `sequence`; returns how many frames, gap
    /// records and bytes they were.
    mutating func removeDone(through sequence: UInt64) -> (frames: Int, gaps: Int) {
        var frames = 0
        var gaps = 0
        while head < entries.count, entries[head].done, entries[head].last <= sequence {
            if entries[head].isGap { gaps += 1 } else { frames += 1 }
            bytes -= entries[head].bytes
            head += 1
        }
        if head > 4096 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return (frames, gaps)
    }

    /// Forgets everything from the first entry that is not done onwards and returns its sequence,
    /// the place to produce again from (or `fallback` when everything is done), and how many of
    /// the forgotten records Kafka had already acknowledged.
    ///
    /// Done entries after it are forgotten too and produced again: that keeps records in sequence
    /// order per partition, at the price of duplicates bounded by the window (and marked by their
    /// sequence header). `redelivered` counts them: each will be in Kafka twice.
    mutating func rewind(fallback: UInt64) -> (restart: UInt64, redelivered: Int) {
        guard let open = entries[head...].firstIndex(where: { !$0.done }) else { return (fallback, 0) }
        let restart = entries[open].first
        var redelivered = 0
        for entry in entries[open...] {
            bytes -= entry.bytes
            if entry.delivered { redelivered += 1 }
        }
        entries.removeSubrange(open...)
        return (restart, redelivered)
    }
}
