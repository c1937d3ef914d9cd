import DHCPKafkaSocket
import DHCPKafkaSpool
import DHCPKafkaRuntime
import DHCPKafkaWire
import Foundation
import Logging
import Synchronization

extension IngestPipeline {
    /// Reads datagrams in batches, validates each, and hands valid frames to the committer.
    func receiveLoop() {
        let batch = ReceiveBatch(slots: 64, slotSize: Self.maxFrameSize + 1)
        var valid: [Int] = []
        var rejectedNow: [String: UInt64] = [:]
        while !isStopping {
            if pending.waitForRoom() { counters.backpressureCount.add(1, ordering: .relaxed) }
            let count: Int
            do {
                count = try server.receive(into: batch, timeoutMilliseconds: 100)
                IngestCounters.beat(counters.receiverBeat)
            } catch {
                logger.critical("ingest socket failed; stopping", metadata: ["error": "\(error)"])
                fail(error)
                break
            }
            guard count > 0 else { continue }
            // A partial batch means datagrams trickle in: let a few more queue up before the next
            // recvmmsg instead of paying a wake-up, two system calls and a context switch per frame.
            // Bounded extra latency (coalescing interval); under load batches are full and it never waits.
            let coalesce = count < batch.capacity / 2
            defer { if coalesce { usleep(receiveCoalescingMicroseconds) } }
            let now = Self.nowNanoseconds()
            valid.removeAll(keepingCapacity: true)
            rejectedNow.removeAll(keepingCapacity: true)
            // Validate in place in the receive slots; only valid frames are copied, once, into the
            // pending batch (the slots are reused by the next receive, after this copy).
            for index in 0..<count {
                if let reason = rejection(of: batch.buffer(at: index), at: index, in: batch) {
                    counters.reject(reason)
                    rejectedNow[reason, default: 0] += 1
                    continue
                }
                valid.append(index)
            }
            counters.receivedCount.add(UInt64(count), ordering: .relaxed)
            pending.add { spoolBatch, deltas in
                for index in valid { spoolBatch.append(UnsafeRawBufferPointer(batch.buffer(at: index)), receivedAt: now) }
                deltas["received", default: 0] += UInt64(count)
                for (reason, n) in rejectedNow { deltas["rejected.\(reason)", default: 0] += n }
            }
        }
        pending.close()
    }

    /// Why the datagram in slot `index` must be rejected, or `nil` if it is a valid frame.
    private func rejection(of bytes: UnsafeBufferPointer<UInt8>, at index: Int, in batch: ReceiveBatch) -> String? {
        if policy.isRestricted {
            guard let peer = batch.credentials(at: index), policy.permits(uid: peer.uid, gid: peer.gid) else {
                let peer = batch.credentials(at: index)
                rejections.warning(
                    key: "sender-not-allowed", "refused a frame from a sender not on the allow list",
                    metadata: ["uid": "\(peer?.uid ?? UInt32.max)", "gid": "\(peer?.gid ?? UInt32.max)",
                               "pid": "\(peer?.pid ?? -1)"])
                return "sender-not-allowed"
            }
        }
        let fullLength = batch.fullLength(at: index)
        if fullLength > Self.maxFrameSize {
            rejections.warning(
                key: "oversize", "rejected a datagram larger than any valid frame",
                metadata: ["bytes": "\(fullLength)", "pid": "\(batch.credentials(at: index)?.pid ?? -1)"])
            return "oversize"
        }
        if bytes.count > spool.maxFrameSize {
            rejections.warning(key: "larger-than-spool", "rejected a frame larger than the whole spool capacity",
                               metadata: ["bytes": "\(bytes.count)"])
            return "larger-than-spool"
        }
        if let type = bytes.first, !registry.isRegistered(type) {
            // Writers send DHCPKafkaMessage frames; any other type byte is garbage or a handler too new
            // for this daemon. Refuse it rather than forward bytes nobody validated.
            rejections.warning(
                key: "unknown-type", "rejected a frame of a Kafka message type this daemon does not know",
                metadata: ["type": "\(type)", "pid": "\(batch.credentials(at: index)?.pid ?? -1)"])
            return "unknown-type"
        }
        do {
            // The same checks as decodeFrame (same grammar code, same errors), without building the model.
            try registry.validateFrame(bytes)
            return nil
        } catch {
            rejections.warning(
                key: error.code.rawValue, "rejected an invalid frame",
                metadata: ["error": "\(error)", "pid": "\(batch.credentials(at: index)?.pid ?? -1)"])
            return error.code.rawValue
        }
    }

    /// Commits whatever is pending, again and again; retries a failed commit with backoff, keeping
    /// the frames in memory (the receiver stops reading when that memory is full).
    func commitLoop() {
        var backoff = Duration.milliseconds(50)
        while let (batch, deltas) = pending.takeAll(timeout: .seconds(1)) {
            IngestCounters.beat(counters.committerBeat)
            do {
                let started = ContinuousClock.now
                let result = try spool.append(batch, counterDeltas: deltas)
                counters.commitLatency.record(ContinuousClock.now - started)
                counters.acceptedCount.add(UInt64(batch.count), ordering: .relaxed)
                counters.evictedCount.add(UInt64(result.evictedFrames), ordering: .relaxed)
                counters.commitCount.add(1, ordering: .relaxed)
                if backoff > .milliseconds(50) {
                    logger.notice("spool commits succeed again", metadata: ["frames": "\(batch.count)"])
                }
                backoff = .milliseconds(50)
            } catch {
                counters.commitFailureCount.add(1, ordering: .relaxed)
                rejections.warning(
                    key: "commit-\(error.code)",
                    "cannot commit to the spool; frames stay in memory and are retried",
                    metadata: ["error": "\(error)", "frames": "\(batch.count)", "retry_in": "\(backoff)"])
                pending.putBack(batch, counterDeltas: deltas)
                Thread.sleep(forTimeInterval: Double(backoff.components.seconds) + Double(backoff.components.attoseconds) / 1e18)
                backoff = min(backoff * 2, .seconds(5))
                if isStopping && counters.commitFailures > 0 && backoff >= .seconds(5) {
                    logger.error("giving up on the pending frames at shutdown: the spool refuses commits",
                                 metadata: ["error": "\(error)"])
                    break
                }
            }
        }
    }

    /// The wall-clock time in nanoseconds since the epoch, stored with each frame.
    static func nowNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
