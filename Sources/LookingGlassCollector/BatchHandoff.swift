import Foundation
import LookingGlassStore

/// Hands decoded batches from the consumer thread to the store thread, one waiting at most, and
/// the offsets of stored batches back, so only the consumer thread touches the consumer and offsets
/// are committed only after their batch's store transaction committed.
final class BatchHandoff: @unchecked Sendable {
    /// A decoded batch and the offsets to commit once it is stored.
    struct Job: Sendable {
        let batch: IngestBatch
        let records: Int
        let next: [Int32: Int64]
        let now: Double
    }

    // Every field below is guarded by `condition`.
    private let condition = NSCondition()
    private var pending: Job?
    private var finishing = false
    private var storeThreadDone = false
    private var storedOffsets: [Int32: Int64] = [:]

    /// Waits while a batch is already waiting, then queues `job`.
    func put(_ job: Job) {
        condition.lock()
        defer { condition.unlock() }
        while pending != nil, !storeThreadDone { condition.wait() }
        guard !storeThreadDone else { return }
        pending = job
        condition.broadcast()
    }

    /// The next batch for the store thread; nil once ``finish()`` was called and nothing is waiting.
    func take() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while pending == nil, !finishing { condition.wait() }
        let job = pending
        pending = nil
        condition.broadcast()
        return job
    }

    /// Records that a batch with these next offsets is stored.
    func stored(_ next: [Int32: Int64]) {
        condition.lock()
        defer { condition.unlock() }
        for (partition, offset) in next { storedOffsets[partition] = max(storedOffsets[partition] ?? 0, offset) }
    }

    /// The offsets stored since the last call (highest per partition).
    func takeStoredOffsets() -> [Int32: Int64] {
        condition.lock()
        defer { condition.unlock() }
        let offsets = storedOffsets
        storedOffsets = [:]
        return offsets
    }

    /// No more batches: the store thread stores what is waiting and ends.
    func finish() {
        condition.lock()
        defer { condition.unlock() }
        finishing = true
        condition.broadcast()
    }

    /// Called by the store thread as it ends.
    func storeThreadFinished() {
        condition.lock()
        defer { condition.unlock() }
        storeThreadDone = true
        condition.broadcast()
    }

    /// Waits until the store thread ended.
    func waitForStoreThread() {
        condition.lock()
        defer { condition.unlock() }
        while !storeThreadDone { condition.wait() }
    }
}
