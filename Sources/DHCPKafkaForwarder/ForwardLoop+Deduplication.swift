import DHCPKafkaSink
import DHCPKafkaSpool
import Foundation
import Logging
import Synchronization

extension ForwardLoop {
    /// Finds what Kafka already holds of this spool beyond the watermark before anything is
    /// produced (``DeduplicationScan``) and sets ``deduplication`` to it.
    ///
    /// The producer is made first and polled between attempts, though nothing is produced yet: its
    /// connection state ("Kafka brokers unreachable", `broker_state`) and librdkafka's log lines
    /// tell the operator what is wrong, as during any outage.
    ///
    /// While no broker answers it waits, retrying with backoff, and produces nothing: forwarding
    /// blindly would duplicate what a crashed forwarder left in Kafka, and while Kafka is away
    /// nothing could be delivered anyway (the frames wait in the spool, ingest goes on). When the
    /// topic cannot be read (a principal allowed to write but not to read it), it falls back to
    /// at-least-once at once, with an error naming the ACL to grant.
    mutating func deduplicate() throws {
        deduplication = try findWhatKafkaHolds()
    }

    private mutating func findWhatKafkaHolds() throws -> Deduplication? {
        let forwarder = self.forwarder
        let builder = forwarder.builder
        var scan = DeduplicationScan(
            sink: configuration.sink, spoolIdentity: builder.spoolHeaderValue,
            epoch: UInt64(String(decoding: builder.epochHeader.1, as: UTF8.self)) ?? 0, watermark: watermark,
            limitPerPartition: configuration.deduplicationScanLimit, isStopping: { forwarder.isStopping })
        // Records a crashed forwarder sent may still land: wait for them unless the last forwarder
        // stopped with nothing in flight, or none ever forwarded anything (no status, nothing acked).
        let previous = ForwarderStatus.read(spoolPath: spool.path)
        let clean = previous.map { $0.status.stoppedCleanly } ?? (watermark == 0)
        scan.settle = clean ? .zero : configuration.deduplicationQuietPeriod
        var waiting = Backoff(minimum: configuration.backoffMin, maximum: max(configuration.backoffMax, .seconds(1)))
        var loggedWaiting = false
        var attempts = 0
        let began = ContinuousClock.now
        counters.setDeduplicationState("scanning")
        ForwarderStatus.write(counters, spoolPath: spool.path)
        while !forwarder.isStopping {
            if let producer = try ensureProducer() { producer.poll(timeoutMs: 0, into: &reports) }
            attempts += 1
            let result: DeduplicationScan.Result
            do {
                result = try scan.scanOnce()
            } catch {
                if error is DeduplicationScan.Stopped { return nil }
                if let configurationError = error as? KafkaConfigurationError {
                    counters.deduplicationFallbackCount.add(1, ordering: .relaxed)
                    counters.setDeduplicationState("fallback: cannot make a consumer (\(configurationError.code.rawValue))")
                    logger.error(
                        "cannot make a Kafka consumer to find what Kafka already holds of this spool; forwarding at-least-once",
                        metadata: ["error": "\(configurationError)"])
                    return nil
                }
                if let kafka = error as? KafkaError, Self.meansNotReadable(kafka.code) {
                    counters.deduplicationFallbackCount.add(1, ordering: .relaxed)
                    counters.setDeduplicationState("fallback: topic not readable (\(kafka.code.name))")
                    logger.error(
                        "cannot read the topic back to find what Kafka already holds of this spool; forwarding at-least-once: frames a previous forwarder left unacknowledged are produced again. Grant this principal READ (Describe, Read) on the topic to get exactly-once across restarts",
                        metadata: ["topic": "\(configuration.sink.topic)", "error": "\(error)"])
                    return nil
                }
                if !loggedWaiting {
                    logger.warning(
                        "waiting for Kafka to find what it already holds of this spool; nothing is produced until then, frames stay in the spool",
                        metadata: ["error": "\(error)"])
                    loggedWaiting = true
                }
                counters.setDeduplicationState("waiting for Kafka (attempt \(attempts)): \(error)")
                ForwarderStatus.write(counters, spoolPath: spool.path)
                let deadline = ContinuousClock.now + waiting.fail(using: &rng)
                // Serve the producer's callbacks meanwhile (broker state, librdkafka's log lines).
                while ContinuousClock.now < deadline && !forwarder.isStopping {
                    if let producer { producer.poll(timeoutMs: 50, into: &reports) } else { sleep(.milliseconds(50)) }
                }
                continue
            }
            return conclude(result, took: ContinuousClock.now - began)
        }
        return nil
    }

    private func conclude(_ result: DeduplicationScan.Result, took: Duration) -> Deduplication? {
        let seconds = String(format: "%.1f", Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
        var metadata: Logger.Metadata = [
            "watermark": "\(watermark)", "found": "\(result.found.count)", "highest": "\(result.found.highest)",
            "partitions": "\(result.partitions)", "records_read": "\(result.read)", "seconds": "\(seconds)"]
        if result.remapped > 0 {
            counters.deduplicationRemappedCount.add(UInt64(result.remapped), ordering: .relaxed)
            metadata["remapped"] = "\(result.remapped)"
            logger.warning(
                "records of this spool sit in partitions their key no longer maps to: the topic's partition count changed since they were produced (or another partitioner placed them); they are still recognised by their sequence and not produced again, but one key's records are now split over two partitions",
                metadata: metadata)
        }
        // A spool with nothing acknowledged and nothing of it in Kafka has never reached Kafka: a
        // partition whose start was deleted (another spool's old records) hides nothing of it.
        let incomplete = watermark == 0 && !result.sawThisSpool ? [] : result.incomplete
        if !incomplete.isEmpty {
            counters.deduplicationFallbackCount.add(UInt64(incomplete.count), ordering: .relaxed)
            counters.setDeduplicationState("fallback: partitions \(incomplete) not read back far enough")
            logger.warning(
                "could not read far enough back in some partitions to be sure what Kafka holds of this spool (their oldest records were deleted or compacted, or the scan limit was reached): frames of this spool that were there and are still in the spool are produced again (at-least-once for them)",
                metadata: metadata.merging(["incomplete_partitions": "\(incomplete)"]) { $1 })
        } else {
            counters.setDeduplicationState("done")
        }
        logger.notice(
            result.found.isEmpty ? "Kafka holds nothing of this spool beyond the acknowledged watermark"
                : "Kafka already holds records of this spool beyond the acknowledged watermark; they are not produced again",
            metadata: metadata)
        ForwarderStatus.write(counters, spoolPath: spool.path)
        return result.found.isEmpty ? nil : Deduplication(found: result.found)
    }

    /// Errors that mean this principal may not read the topic: waiting does not fix them.
    private static func meansNotReadable(_ code: KafkaErrorCode) -> Bool {
        code == .topicAuthorizationFailed || code == .clusterAuthorizationFailed
            || code == KafkaErrorCode(rawValue: 30)  // GROUP_AUTHORIZATION_FAILED
    }

}
