import CSystemShims
import DHCPKafkaSocket
import Logging

/// What a new ingest worker does first on a socket whose previous reader died between a commit and
/// removing the committed datagrams from the queue (see ``IngestJournal``).
enum IngestRecovery {
    /// The outcome, for counters and log lines.
    struct Outcome: Equatable {
        /// Committed datagrams found at the head of the queue and removed without storing them again.
        var skipped: UInt64 = 0
        /// Datagrams that may be stored a second time because the head could not be matched for sure.
        var possiblyRepeated: UInt64 = 0
    }

    /// The digest of one received datagram: its bytes and its real length.
    static func digest(_ bytes: UnsafeBufferPointer<UInt8>, fullLength: Int) -> UInt64 {
        dk_digest(bytes.baseAddress, bytes.count) ^ UInt64(fullLength) &* 0x9E37_79B9_7F4A_7C15
    }

    /// Compares the head of the queue with the unconsumed part of `entry`'s commit and removes the
    /// committed datagrams it finds there. The consumed count may lag one consume call (≤ 256) behind;
    /// the smallest count whose remaining digests match the head is the true one (every frame
    /// carries its own timestamps). Leaves the peek offset at the head of the queue.
    static func run(_ entry: IngestJournal.Entry, journal: IngestJournal, server: UnixDatagramServer, slotSize: Int) -> Outcome {
        let total = Int(clamping: entry.datagrams)
        let consumed = Int(clamping: entry.consumed)
        guard let ledger = entry.digests, ledger.count == total else {
            return Outcome(possiblyRepeated: UInt64(total - consumed))
        }
        var head: [UInt64] = []
        let batch = ReceiveBatch(slots: 64, slotSize: slotSize)
        while head.count < total - consumed {
            guard let count = try? server.receive(into: batch, timeoutMilliseconds: 0), count > 0 else { break }
            for index in 0..<count {
                head.append(digest(batch.buffer(at: index), fullLength: batch.fullLength(at: index)))
            }
        }
        server.enablePeeking()  // back to the head of the queue
        for k in consumed..<min(total, consumed + 257) {
            let remaining = total - k
            guard remaining <= head.count, head[0..<remaining].elementsEqual(ledger[k..<total]) else { continue }
            let removed = server.consume(remaining)
            journal.consumed(UInt64(k + removed))
            return Outcome(skipped: UInt64(removed))
        }
        // Nothing of the commit is at the head: the last consume removed it all before the crash.
        return Outcome()
    }
}
