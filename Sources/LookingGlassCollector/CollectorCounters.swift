import Synchronization

/// What the collector has done, for `/metrics` and `/healthz`. Safe to read from any thread.
public final class CollectorCounters: Sendable {
    private struct State {
        var records = 0
        var inserted = 0
        var duplicates = 0
        var gaps = 0
        var undecodable: [String: Int] = [:]
        var storeFailures = 0
        var commitFailures = 0
        var consumerErrors = 0
        var lag: [Int32: Int64] = [:]
        var lastBatchAt = 0.0
        var lastError = ""
    }

    private let state = Mutex(State())

    /// Makes zeroed counters.
    public init() {}

    /// A consistent copy of every counter.
    public struct Snapshot: Sendable {
        /// Records read from Kafka.
        public var records: Int
        /// Transactions stored for the first time.
        public var inserted: Int
        /// Transactions recognised as already stored and skipped.
        public var duplicates: Int
        /// Gap records stored.
        public var gaps: Int
        /// Undecodable records per reason.
        public var undecodable: [String: Int]
        /// Batches the store failed to write (retried).
        public var storeFailures: Int
        /// Offset commits that failed (the records are redelivered and deduplicated).
        public var commitFailures: Int
        /// Errors librdkafka reported for the consumer.
        public var consumerErrors: Int
        /// Consumer lag per assigned partition.
        public var lag: [Int32: Int64]
        /// When the last batch was stored or the last empty poll returned (seconds since the epoch).
        public var lastBatchAt: Double
        /// The last error, for `/healthz` (empty when none).
        public var lastError: String
    }

    /// A copy of the counters.
    public var snapshot: Snapshot {
        state.withLock {
            Snapshot(
                records: $0.records, inserted: $0.inserted, duplicates: $0.duplicates, gaps: $0.gaps,
                undecodable: $0.undecodable, storeFailures: $0.storeFailures, commitFailures: $0.commitFailures,
                consumerErrors: $0.consumerErrors, lag: $0.lag, lastBatchAt: $0.lastBatchAt, lastError: $0.lastError)
        }
    }

    func stored(records: Int, inserted: Int, duplicates: Int, gaps: Int, undecodable: [String], at now: Double) {
        state.withLock {
            $0.records += records
            $0.inserted += inserted
            $0.duplicates += duplicates
            $0.gaps += gaps
            for reason in undecodable { $0.undecodable[reason, default: 0] += 1 }
            $0.lastBatchAt = now
        }
    }

    func idle(at now: Double, lag: [Int32: Int64]) {
        state.withLock {
            $0.lastBatchAt = now
            $0.lag = lag
        }
    }

    func storeFailed(_ message: String) {
        state.withLock {
            $0.storeFailures += 1
            $0.lastError = message
        }
    }

    func commitFailed(_ message: String) {
        state.withLock {
            $0.commitFailures += 1
            $0.lastError = message
        }
    }

    func consumerError(_ message: String) {
        state.withLock {
            $0.consumerErrors += 1
            $0.lastError = message
        }
    }

    func clearError() { state.withLock { $0.lastError = "" } }
}
