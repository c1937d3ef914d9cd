import DHCPKafkaSpool
import Foundation

/// Frames validated by the receiver and waiting for the committer: a double buffer.
///
/// The receiver appends to `pending` while the committer writes the previous batch; `takeAll`
/// swaps the two, so frames arriving during a commit form the next group commit. Bounded: when
/// `pending` holds `maxBytes`, ``waitForRoom`` blocks the receiver until the committer takes it.
final class PendingFrames: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending = SpoolBatch(reservingFrames: 4096, bytes: 1 << 20)
    private var spare = SpoolBatch(reservingFrames: 4096, bytes: 1 << 20)
    private var counterDeltas: [String: UInt64] = [:]
    /// Datagrams (valid and rejected) behind `pending` and `counterDeltas`: with peeking, how many
    /// the committer removes from the socket queue once they are committed.
    private var datagrams = 0
    /// With peeking, the digest of each of those datagrams in queue order (``IngestJournal``).
    private var digests: [UInt64] = []
    private var closed = false
    private var abandoned = false
    private let maxBytes: Int

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Adds validated frames and counter deltas for `datagrams` received datagrams under one lock.
    /// Returns `false` (and adds nothing) once the committer gave up (``abandon()``).
    @discardableResult
    func add(
        datagrams count: Int = 0, digests added: [UInt64] = [], _ body: (inout SpoolBatch, inout [String: UInt64]) -> Void
    ) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !abandoned else { return false }
        datagrams += count
        digests.append(contentsOf: added)
        body(&pending, &counterDeltas)
        condition.signal()
        return true
    }

    /// The committer gives up (shutdown timeout with a spool that refuses commits): drops what is
    /// pending and refuses later frames. Returns how many frames were dropped.
    func abandon() -> Int {
        condition.lock()
        defer { condition.unlock() }
        let dropped = pending.count
        pending.removeAll()
        counterDeltas = [:]
        datagrams = 0
        digests = []
        abandoned = true
        closed = true
        condition.broadcast()
        return dropped
    }

    /// Blocks while the pending batch is full. Returns `true` if it had to wait.
    func waitForRoom() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        var waited = false
        while pending.bytes.count >= maxBytes && !closed {
            waited = true
            condition.wait()
        }
        return waited
    }

    /// Waits until there is something to commit (or `timeout` passed, or the queue closed), then
    /// hands over everything pending. `nil` once closed and drained.
    func takeAll(timeout: Duration) -> (batch: SpoolBatch, counterDeltas: [String: UInt64], datagrams: Int, digests: [UInt64])? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        while pending.isEmpty && counterDeltas.isEmpty && !closed {
            if !condition.wait(until: deadline) { break }
        }
        if pending.isEmpty && counterDeltas.isEmpty && closed { return nil }
        spare.removeAll()
        swap(&pending, &spare)
        let deltas = counterDeltas
        counterDeltas = [:]
        let count = datagrams
        datagrams = 0
        let taken = digests
        digests.removeAll(keepingCapacity: true)
        condition.broadcast()
        return (spare, deltas, count, taken)
    }

    /// Puts a batch that could not be committed back in front of the pending frames.
    func putBack(
        _ batch: SpoolBatch, counterDeltas deltas: [String: UInt64], datagrams count: Int = 0, digests earlier: [UInt64] = []
    ) {
        condition.lock()
        defer { condition.unlock() }
        var merged = batch
        for index in 0..<pending.count {
            merged.append(pending.bytes[pending.range(of: index)], receivedAt: pending.receiveTimes[index])
        }
        pending = merged
        counterDeltas.merge(deltas, uniquingKeysWith: +)
        datagrams += count
        digests = earlier + digests
    }

    /// No more frames will be added; wakes everyone.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
