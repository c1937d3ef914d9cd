import DHCPKafkaSpool
import Foundation
import Synchronization

/// Removes acknowledged frames from the spool on a thread of its own, in batched transactions.
///
/// The forwarding thread hands over each new acknowledged watermark (``submit(through:frames:gaps:gapFrames:)``)
/// and goes on producing; this thread deletes everything up to the newest one in one LMDB write
/// transaction (``Spool/acknowledge(through:counterDeltas:)``), at most one every ``minimumInterval``.
/// While a commit waits for the disk (`fdatasync`, or the ingest writer holding LMDB's write lock),
/// further acknowledgements only accumulate into the next transaction, so the forwarder never stalls
/// on the disk and the number of transactions does not grow with the rate.
///
/// Nothing changes in what leaves the spool: only frames Kafka acknowledged (a contiguous prefix,
/// as before) are ever submitted. A crash before a commit leaves acknowledged frames in the spool,
/// produced again after the restart, as with any unacknowledged window.
final class SpoolAcknowledger {
    /// The shortest time between two transactions.
    static let minimumInterval: Duration = .milliseconds(20)

    private let core: AcknowledgerCore

    /// Starts the thread; `watermark` is the spool's acknowledged watermark now.
    init(spool: Spool, counters: ForwarderCounters, committed watermark: UInt64) {
        core = AcknowledgerCore(spool: spool, counters: counters, committed: watermark)
        let core = self.core
        let thread = Thread { core.run() }
        thread.name = "dhcpkafka-ack"
        thread.start()
    }

    /// A loop dropped without ``finish()`` (tests) still lets the thread commit and end.
    deinit { core.requestStop() }

    /// Hands over a new acknowledged watermark and what the frames up to it were; returns at once.
    func submit(through sequence: UInt64, frames: Int, gaps: Int, gapFrames: UInt64) {
        core.submit(through: sequence, frames: frames, gaps: gaps, gapFrames: gapFrames)
    }

    /// The error that stopped the acknowledging thread, if any: the forwarder stops on it (nothing
    /// acknowledged since its last commit was removed; those frames are produced again after a restart).
    var error: SpoolError? { core.error }

    /// Waits until everything submitted so far is committed; throws the thread's error if it stopped.
    func flush() throws(SpoolError) { try core.flush() }

    /// Commits what is still pending and ends the thread; throws its error if it failed.
    func finish() throws(SpoolError) { try core.finish() }

    /// The acknowledged watermark the spool holds (committed by this thread).
    var committed: UInt64 { core.committedWatermark.load(ordering: .acquiring) }
}

/// The acknowledging thread's state, shared with the thread (which outlives nothing but its work).
private final class AcknowledgerCore: @unchecked Sendable {
    /// What is waiting for the next transaction.
    struct Batch {
        var through: UInt64 = 0
        var frames: UInt64 = 0
        var gaps: UInt64 = 0
        var gapFrames: UInt64 = 0
    }

    private let spool: Spool
    private let counters: ForwarderCounters
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var pending: Batch?
    private var submitted: UInt64
    private var committed: UInt64
    private var flushing = 0
    /// The thread waits for work (not for the end of an interval): only then does a submit wake it.
    private var idle = false
    private var stopping = false
    private var finished = false
    private var failure: SpoolError?
    /// `committed`, readable without the lock.
    let committedWatermark: Atomic<UInt64>

    init(spool: Spool, counters: ForwarderCounters, committed watermark: UInt64) {
        self.spool = spool
        self.counters = counters
        self.submitted = watermark
        self.committed = watermark
        self.committedWatermark = Atomic(watermark)
    }

    func submit(through sequence: UInt64, frames: Int, gaps: Int, gapFrames: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        var batch = pending ?? Batch()
        batch.through = max(batch.through, sequence)
        batch.frames += UInt64(frames)
        batch.gaps += UInt64(gaps)
        batch.gapFrames += gapFrames
        pending = batch
        submitted = max(submitted, sequence)
        // A thread waiting out the interval wakes by itself; waking it for every submit would cost
        // a context switch per forwarding-loop iteration.
        if idle { condition.broadcast() }
    }

    var error: SpoolError? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    func flush() throws(SpoolError) {
        condition.lock()
        defer { condition.unlock() }
        flushing += 1
        condition.broadcast()
        while committed < submitted && failure == nil && !finished { condition.wait() }
        flushing -= 1
        if let failure { throw failure }
    }

    func requestStop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    func finish() throws(SpoolError) {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }

    func run() {
        var lastCommit = ContinuousClock.now - SpoolAcknowledger.minimumInterval
        condition.lock()
        while true {
            while pending == nil && !stopping {
                idle = true
                condition.wait()
                idle = false
            }
            guard let batch = pending else { break }
            // Let acknowledgements gather for the rest of the interval (not when stopping or flushing).
            let due = lastCommit + SpoolAcknowledger.minimumInterval
            let now = ContinuousClock.now
            if !stopping && flushing == 0 && now < due {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(due - now)))
                continue
            }
            pending = nil
            condition.unlock()
            lastCommit = .now
            do {
                try spool.acknowledge(
                    through: batch.through,
                    counterDeltas: ["forwarded": batch.frames, "gap_records": batch.gaps,
                                    SpoolStats.lostFramesCounter: batch.gapFrames])
                counters.forwardedCount.add(batch.frames, ordering: .relaxed)
                counters.gapRecordCount.add(batch.gaps, ordering: .relaxed)
                counters.watermarkValue.store(batch.through, ordering: .relaxed)
                condition.lock()
                committed = max(committed, batch.through)
                committedWatermark.store(committed, ordering: .releasing)
                condition.broadcast()
            } catch {
                condition.lock()
                failure = error
                break
            }
        }
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
