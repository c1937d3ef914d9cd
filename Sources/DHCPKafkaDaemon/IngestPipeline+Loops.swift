import DHCPKafkaSocket
import DHCPKafkaSpool
import DHCPKafkaRuntime
import DHCPKafkaWire
import Foundation
import Logging
import Synchronization

extension IngestPipeline {
    /// Reads datagrams in batches, validates each, and hands valid frames to the committer.
    ///
    /// On a stop it first shuts the socket (no new datagram can be queued: writers count a drop),
    /// then reads what the kernel had queued until the socket is empty, so every datagram a writer
    /// counted as sent is received, committed and accepted.
    func receiveLoop() {
        let batch = ReceiveBatch(slots: 64, slotSize: Self.maxFrameSize + 1)
        var valid: [Int] = []
        var rejectedNow: [String: UInt64] = [:]
        var digests: [UInt64] = []
        var draining = false
        var nextPathCheck = monotonicNanoseconds() + Self.pathCheckNanoseconds
        while true {
            if isStopping && !draining {
                draining = true
                do { try server.stopReceiving() } catch {
                    logger.error("cannot shut the ingest socket; frames queued after this may be lost", metadata: ["error": "\(error)"])
                }
            }
            if pending.waitForRoom() { counters.backpressureCount.add(1, ordering: .relaxed) }
            let count: Int
            do {
                count = try server.receive(into: batch, timeoutMilliseconds: draining ? 0 : 100)
                IngestCounters.beat(counters.receiverBeat)
            } catch {
                logger.critical("ingest socket failed; stopping", metadata: ["error": "\(error)"])
                fail(error)
                break
            }
            if !draining, server.checksPath, monotonicNanoseconds() >= nextPathCheck {
                nextPathCheck = monotonicNanoseconds() + Self.pathCheckNanoseconds
                checkSocketPath()
            }
            guard count > 0 else {
                if draining { break }
                continue
            }
            // A partial batch means datagrams trickle in: let a few more queue up before the next
            // recvmmsg instead of paying a wake-up, two system calls and a context switch per frame.
            // Bounded extra latency (coalescing interval); under load batches are full and it never waits.
            let coalesce = !draining && count < batch.capacity / 2
            defer { if coalesce { usleep(receiveCoalescingMicroseconds) } }
            noteClosedDescriptors(in: batch)
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
            digests.removeAll(keepingCapacity: true)
            if journal != nil {
                for index in 0..<count {
                    digests.append(IngestRecovery.digest(batch.buffer(at: index), fullLength: batch.fullLength(at: index)))
                }
            }
            counters.receivedCount.add(UInt64(count), ordering: .relaxed)
            // Counted before the hand-over: the committer may commit (and subtract) them at once.
            counters.pendingCount.add(UInt64(valid.count), ordering: .relaxed)
            let added = pending.add(datagrams: count, digests: digests) { spoolBatch, deltas in
                for index in valid { spoolBatch.append(UnsafeRawBufferPointer(batch.buffer(at: index)), receivedAt: now) }
                deltas["received", default: 0] += UInt64(count)
                for (reason, n) in rejectedNow { deltas["rejected.\(reason)", default: 0] += n }
            }
            if !added {
                counters.pendingCount.subtract(UInt64(valid.count), ordering: .relaxed)
                counters.lostAtShutdownCount.add(UInt64(valid.count), ordering: .relaxed)
            }
        }
        pending.close()
    }

    /// How often the receiver checks that the socket path still names its socket.
    static let pathCheckNanoseconds: UInt64 = 1_000_000_000

    /// Stops the daemon (exit 1, so the service manager starts it again with a new socket) when
    /// the socket file was deleted or replaced: no new writer could reach it any more.
    private func checkSocketPath() {
        let state = server.pathState
        guard state != .bound else { return }
        let what = state == .missing ? "was deleted" : "was replaced by another file"
        let error = SocketError(
            .bind, path: server.path, errno: nil,
            message: "the socket file \(server.path) \(what) while the daemon ran; new writers cannot reach it. "
                + "Stopping (exit 1) so the service manager restarts the daemon with a new socket; "
                + "find what removes files in its directory")
        logger.critical("\(error.message)")
        fail(error)
    }

    /// Counts (and logs, rate-limited) descriptors senders passed; the batch closed them already.
    private func noteClosedDescriptors(in batch: ReceiveBatch) {
        let closed = batch.closedDescriptors
        guard closed > 0 else { return }
        counters.closedDescriptorCount.add(UInt64(closed), ordering: .relaxed)
        rejections.warning(
            key: "passed-descriptors", "closed file descriptors a sender passed with its frames; writers never pass any",
            metadata: ["descriptors": "\(closed)", "total": "\(counters.closedDescriptors)"])
    }

    /// Why the datagram in slot `index` must be rejected, or `nil` if it is a valid frame.
    private func rejection(of bytes: UnsafeBufferPointer<UInt8>, at index: Int, in batch: ReceiveBatch) -> String? {
        if policy.isRestricted, !isAllowed(batch.credentials(at: index)) {
            let peer = batch.credentials(at: index)
            rejections.warning(
                key: "sender-not-allowed",
                "refused a frame from a sender not on the allow list (allow-gid matches supplementary groups "
                    + "only while the sender runs)",
                metadata: ["uid": "\(peer?.uid ?? UInt32.max)", "gid": "\(peer?.gid ?? UInt32.max)",
                           "pid": "\(peer?.pid ?? -1)"])
            return "sender-not-allowed"
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

    /// Whether the allow list admits a sender: by uid, primary gid, or a supplementary group.
    private func isAllowed(_ peer: PeerCredentials?) -> Bool {
        guard let peer else { return false }
        if policy.permits(uid: peer.uid, gid: peer.gid) { return true }
        guard !policy.allowedGIDs.isEmpty,
            let groups = senderGroups.groups(pid: peer.pid, uid: peer.uid, gid: peer.gid)
        else { return false }
        return policy.permits(supplementaryGroups: groups)
    }

    /// Commits whatever is pending, again and again; retries a failed commit with backoff, keeping
    /// the frames in memory (the receiver stops reading when that memory is full).
    ///
    /// On a stop it keeps retrying until ``IngestConfiguration/shutdownTimeout`` has passed since
    /// the stop began; then it drops what it holds, counted in ``IngestCounters/lostAtShutdown``.
    func commitLoop() {
        var committedReceived = receivedAtStart
        var atStart = startCounterDeltas
        let socketInode = server.socketInode
        var backoff = Duration.milliseconds(50)
        var giveUpAt: ContinuousClock.Instant?
        while let (batch, taken, datagrams, digests) = pending.takeAll(timeout: .seconds(1)) {
            IngestCounters.beat(counters.committerBeat)
            var deltas = taken
            deltas.merge(atStart, uniquingKeysWith: +)
            do {
                let started = ContinuousClock.now
                let receivedAfter = committedReceived + (deltas["received"] ?? 0)
                if server.isPeeking { journal?.committing(digests: digests, receivedAfter: receivedAfter, socket: socketInode) }
                let result = try spool.append(batch, counterDeltas: deltas)
                committedReceived = receivedAfter
                if !atStart.isEmpty, let restarts { journal?.persistRestarts(restarts.count, parent: restarts.supervisor) }
                atStart = [:]
                // Only now do the datagrams leave the socket queue: a crash before this point leaves
                // them for the successor, which reads them again (counted, see IngestJournal).
                if server.isPeeking, datagrams > 0 { consumeCommitted(datagrams) }
                counters.commitLatency.record(ContinuousClock.now - started)
                counters.acceptedCount.add(UInt64(batch.count), ordering: .relaxed)
                counters.pendingCount.subtract(UInt64(batch.count), ordering: .relaxed)
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
                    metadata: ["error": "\(error)", "frames": "\(batch.count)", "retry_in": "\(backoff)",
                               "pending_frames": "\(counters.pendingFrames)"])
                pending.putBack(batch, counterDeltas: taken, datagrams: datagrams, digests: digests)
                if isStopping {
                    let now = ContinuousClock.now
                    let deadline = giveUpAt ?? now + shutdownTimeout
                    giveUpAt = deadline
                    if now >= deadline {
                        let dropped = pending.abandon()
                        counters.pendingCount.subtract(UInt64(dropped), ordering: .relaxed)
                        counters.lostAtShutdownCount.add(UInt64(dropped), ordering: .relaxed)
                        logger.error(
                            "giving up on \(dropped) frames held in memory: the spool refused every commit until the shutdown timeout",
                            metadata: ["error": "\(error)", "shutdown_timeout": "\(shutdownTimeout)"])
                        break
                    }
                    backoff = min(backoff, deadline - now)
                }
                Thread.sleep(forTimeInterval: Double(backoff.components.seconds) + Double(backoff.components.attoseconds) / 1e18)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    /// Removes `datagrams` committed datagrams from the socket queue, recording progress in the journal.
    private func consumeCommitted(_ datagrams: Int) {
        var done = 0
        while done < datagrams {
            // One system call removes up to the batch's slots; the journal then says how far it got.
            let step = min(datagrams - done, 256)
            let removed = server.consume(step)
            done += removed
            journal?.consumed(UInt64(done))
            if removed < step {
                logger.error(
                    "the socket queue held fewer committed datagrams than expected: another process reads this socket",
                    metadata: ["expected": "\(datagrams)", "removed": "\(done)"])
                break
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
