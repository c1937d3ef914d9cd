import Synchronization

extension Spool {
    /// ``removeThrough(_:counterDeltas:)`` for a thread of its own: the same transaction (frames and
    /// gaps ≤ `sequence` deleted, watermark raised, counters added, committed with the spool's
    /// durability), but run without the spool's lock, so that ``withFrames(from:maxFrames:maxBytes:_:)``
    /// and the other calls of this handle go on while it commits and syncs. LMDB itself serialises
    /// write transactions (with the ingest writer's too) and lets read transactions run alongside.
    /// Returns how many frames were removed.
    ///
    /// Calls of this method must not overlap each other (one acknowledging thread per handle).
    @discardableResult
    public func acknowledge(through sequence: UInt64, counterDeltas: [String: UInt64] = [:]) throws(SpoolError) -> Int {
        let what = "removing frames through \(sequence)"
        // Lock order: mutex, then commitGate (as in close()). The gate keeps the environment open
        // until the transaction ended; the mutex is released before the transaction starts.
        try mutex.withLock { _ throws(SpoolError) in
            guard !closed else { throw SpoolError(code: .closed, message: "spool at \(path) is closed") }
            guard !isReadOnly else {
                throw SpoolError(code: .readOnly, message: "spool at \(path) was opened read-only; \(what) needs a writer")
            }
            commitGate.lock()
        }
        let outcome: Result<(removed: Int, bytes: Int), SpoolError>
        do {
            outcome = .success(try env.write { txn throws(SpoolTransactionError) in
                try deleteAcknowledged(through: sequence, counterDeltas, txn)
            })
        } catch {
            outcome = .failure(Self.mapError(error, path: path, doing: what))
        }
        commitGate.unlock()
        let (removed, bytes) = try outcome.get()
        mutex.withLock { _ in
            guard !closed else { return }
            bytesSinceRelease += bytes
            maintainIfDueLocked()
        }
        return removed
    }
}
