import DHCPKafkaSink
import DHCPKafkaSpool
import DHCPKafkaRuntime
import Foundation
import Logging
import Synchronization

extension ForwardLoop {
    /// Applies delivery reports: acknowledged records are done; rejected records go to the dead
    /// letters; anything else (retriable, fatal) starts a rewind.
    mutating func handle(_ reports: [DeliveryReport], producer: KafkaProducer) {
        var delivered = false
        let now = reports.isEmpty ? 0 : Date().timeIntervalSince1970
        for report in reports {
            guard let index = window.index(of: report.token) else { continue }
            let entry = window.entries[index]
            if report.isDelivered {
                window.markDelivered(at: index)
                delivered = true
                if entry.timestampIn > 0 {
                    counters.deliveryLatency.record(.nanoseconds(Int64(max(0, now - entry.timestampIn) * 1e9)))
                }
                continue
            }
            window.markReported(entry.first)
            if report.status == .possiblyPersisted { counters.possiblyPersistedCount.add(1, ordering: .relaxed) }
            let error = report.error.map { "\($0.name): \($0.text)" } ?? "status \(report.status)"
            if report.failureClass == .fatal {
                // A broken idempotence state (fenced, unknown producer id, …): retrying with this
                // producer fails for ever. The run loop recreates it (and rewinds the window).
                if recreateCause == nil {
                    recreateCause = KafkaError(
                        code: report.error ?? .fatal, message: "Kafka refused the producer: \(error); it must be recreated",
                        failureClass: .fatal)
                }
                continue
            }
            let permanentForRecord =
                report.failureClass == .recordRejected
                || (report.failureClass == .destinationRejected && configuration.onDestinationError == .deadLetter)
            if permanentForRecord && !entry.isGap {
                do { try deadLetter(entry.first, reason: error) } catch { fail("cannot move a frame to the dead letters", error: "\(error)") }
            } else {
                fail(report.failureClass == .destinationRejected ? "Kafka rejects the destination" : "delivery failed", error: error)
            }
        }
        if delivered && backoff.isActive && !rewinding {
            logger.notice("Kafka accepts records again", metadata: ["retries": "\(counters.retries)"])
            backoff.reset()
            counters.setBackingOff(false)
        }
    }

    /// Starts a rewind (once): stop producing, fail what librdkafka has not sent yet, let the
    /// window's reports come in, then produce again.
    ///
    /// The purge keeps each partition in sequence order: without it, records queued behind the
    /// failed one (for a partition without a leader, say) would still be sent when the partition
    /// comes back, and reach Kafka before the failed record is produced again. Records already
    /// sent need no purge: with idempotence the broker writes a later batch of a partition only
    /// after the earlier ones.
    mutating func fail(_ what: String, error: String) {
        guard !rewinding else { return }
        rewinding = true
        producer?.purgeQueued()
        counters.retryCount.add(1, ordering: .relaxed)
        if !backoff.isActive {
            logger.warning("\(what); will retry with backoff, frames stay in the spool", metadata: ["error": "\(error)"])
        }
    }

    /// When no report is outstanding any more: wait the backoff delay, then produce again from the
    /// first record that is not done.
    mutating func finishRewindIfReady(_ producer: KafkaProducer) throws {
        guard window.awaitingReports == 0 else { return }
        let delay = backoff.fail(using: &rng)
        counters.setBackingOff(true)
        logger.debug("retrying after backoff", metadata: ["delay": "\(delay)", "failures": "\(backoff.failures)"])
        sleep(delay)
        let (restart, redelivered) = window.rewind(fallback: next)
        next = restart
        countResent(redelivered)
        rewinding = false
    }

    /// A fatal producer error: everything in flight is lost to that producer; make a new one and
    /// produce again from the watermark.
    mutating func recreate(after error: KafkaError) {
        logger.error("fatal Kafka producer error; recreating the producer", metadata: [
            "error": "\(error)", "producer_restarts": "\(counters.producerRestarts + 1)"])
        recreateCause = nil
        producer?.close()
        producer = nil
        counters.producerRestartCount.add(1, ordering: .relaxed)
        // Records the old producer never reported on may have been written by Kafka all the same.
        var unreported = 0
        for entry in window.entries where entry.awaitingReport {
            window.markReported(entry.first)
            unreported += 1
        }
        let (restart, redelivered) = window.rewind(fallback: next)
        next = restart
        countResent(redelivered + unreported)
        rewinding = false
        sleep(backoff.fail(using: &rng))
    }

    /// Counts records about to be produced again that Kafka may already hold (`possibly_persisted`):
    /// acknowledged ones forgotten by a rewind (certain duplicates) and ones in flight with a
    /// producer that was destroyed. Logs it once per rewind, so duplicates are never silent.
    mutating func countResent(_ records: Int) {
        guard records > 0 else { return }
        counters.possiblyPersistedCount.add(UInt64(records), ordering: .relaxed)
        logger.info("producing records again that Kafka may already hold; consumers see them twice (same spool and sequence headers)",
                    metadata: ["records": "\(records)", "possibly_persisted": "\(counters.possiblyPersisted)"])
    }

    /// Moves a frame to the dead letters with the error; it counts as done for the watermark.
    mutating func deadLetter(_ sequence: UInt64, reason: String) throws {
        try spool.moveToDead(sequence, error: reason)
        window.markDone(sequence)
        pendingDead += 1
        counters.deadLetterCount.add(1, ordering: .relaxed)
        logger.warning("Kafka rejected a frame permanently; moved it to the dead letters",
                       metadata: ["sequence": "\(sequence)", "error": "\(reason)"])
    }

    /// Hands the acknowledged prefix to the ``SpoolAcknowledger`` (which removes it from the spool in
    /// batched transactions on its own thread) and frees its room in the window at once; `force`
    /// also waits until the spool holds the new watermark.
    mutating func advanceWatermark(force: Bool) throws {
        if let end = window.donePrefixEnd, end > watermark {
            let (frames, gaps, gapFrames) = window.removeDone(through: end)
            let forwardedFrames = frames - min(pendingDead, frames)
            pendingDead -= frames - forwardedFrames
            // gap_frames: the frames lost to eviction, exactly those the published gap records cover
            // (frames evicted after they were sent and then acknowledged are not lost).
            acknowledger.submit(through: end, frames: forwardedFrames, gaps: gaps, gapFrames: gapFrames)
            watermark = end
        }
        if force { try acknowledger.flush() }
    }

    /// SIGTERM: produce nothing new, wait up to the shutdown timeout for the reports of what is in
    /// flight, persist the watermark.
    mutating func shutDown() throws {
        if let producer {
            let deadline = ContinuousClock.now + configuration.shutdownTimeout
            while window.awaitingReports > 0 && ContinuousClock.now < deadline {
                handle(producer.poll(timeoutMs: 100), producer: producer)
            }
            try advanceWatermark(force: true)
            let left = window.awaitingReports
            if left > 0 {
                logger.warning("stopping with records unacknowledged; they stay in the spool and are sent again",
                               metadata: ["records": "\(left)"])
            }
            producer.close()
        }
        try acknowledger.finish()
        logger.notice("forwarder stopped", metadata: [
            "watermark": "\(watermark)", "forwarded": "\(counters.forwarded)", "dead_lettered": "\(counters.deadLettered)",
            "gap_records": "\(counters.gapRecords)", "retries": "\(counters.retries)",
            "possibly_persisted": "\(counters.possiblyPersisted)",
            "delivery_p50_us": "\(counters.deliveryLatency.percentile(50) ?? 0)",
            "delivery_p99_us": "\(counters.deliveryLatency.percentile(99) ?? 0)"])
    }

    /// Sleeps on the forwarder's thread, waking early when a stop is requested.
    func sleep(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline && !forwarder.isStopping {
            Thread.sleep(forTimeInterval: min(0.05, Double((deadline - ContinuousClock.now).components.attoseconds) / 1e18
                + Double((deadline - ContinuousClock.now).components.seconds)))
        }
    }
}
