import DHCPKafkaSink
import DHCPKafkaSpool
import DHCPKafkaWire
import Foundation
import Logging
import Synchronization

/// The forwarder's state machine, owned by its thread.
struct ForwardLoop {
    let forwarder: Forwarder
    var producer: KafkaProducer?
    var window = InFlightWindow()
    /// The next sequence to read from the spool and produce.
    var next: UInt64 = 1
    /// Every sequence ≤ watermark has left the spool.
    var watermark: UInt64 = 0
    var backoff: Backoff
    /// Set after a failure: produce nothing new until the window's reports are in, then rewind.
    var rewinding = false
    /// Removes acknowledged frames from the spool on its own thread.
    let acknowledger: SpoolAcknowledger
    var lastStatus = ContinuousClock.now - .seconds(10)
    var pendingDead = 0
    var rng = SystemRandomNumberGenerator()
    /// Delivery reports of the last poll (a buffer reused across polls).
    var reports: [DeliveryReport] = []
    /// Set when a delivery report says the producer's idempotence state is broken (fenced, …):
    /// the producer is recreated as after a fatal error.
    var recreateCause: KafkaError?
    /// Frames and gap records a previous forwarder process left in Kafka unacknowledged: skipped.
    var deduplication: Deduplication?

    var configuration: ForwarderConfiguration { forwarder.configuration }
    /// Sequences acknowledged by Kafka but not yet removed from the spool (an upper bound on frames).
    var uncommitted: Int { Int(clamping: watermark - min(acknowledger.committed, watermark)) }
    var spool: Spool { forwarder.spool }
    var logger: Logger { forwarder.logger }
    var counters: ForwarderCounters { forwarder.counters }

    init(forwarder: Forwarder) throws(SpoolError) {
        self.forwarder = forwarder
        backoff = Backoff(minimum: forwarder.configuration.backoffMin, maximum: forwarder.configuration.backoffMax)
        watermark = try forwarder.spool.ackedWatermark()
        next = watermark + 1
        acknowledger = SpoolAcknowledger(spool: forwarder.spool, counters: forwarder.counters, committed: watermark)
        counters.watermarkValue.store(watermark, ordering: .relaxed)
    }

    mutating func run() throws {
        logger.notice(
            "forwarding", metadata: ["from_sequence": "\(next)", "kafka": "\(configuration.sink.maskedDescription)"])
        while !forwarder.isStopping {
            guard let producer = try ensureProducer() else { continue }
            var produced = 0
            if rewinding {
                try finishRewindIfReady(producer)
            } else {
                produced = try fill(producer)
            }
            // Keep the pipeline moving while there is work; otherwise wait for reports or new frames
            // (10 ms: the most a new frame waits to be noticed; no busy loop).
            producer.poll(timeoutMs: produced > 0 ? 0 : 10, into: &reports)
            handle(reports, producer: producer)
            if let fatal = producer.fatalError() ?? recreateCause { recreate(after: fatal) }
            try advanceWatermark(force: false)
            if let error = acknowledger.error { throw error }
            counters.inFlightCount.store(window.count, ordering: .relaxed)
            if ContinuousClock.now - lastStatus >= .seconds(2) {
                ForwarderStatus.write(counters, spoolPath: spool.path)
                lastStatus = .now
            }
        }
        try shutDown()
        ForwarderStatus.write(counters, spoolPath: spool.path, stoppedCleanly: window.awaitingReports == 0)
    }

    /// The producer, made (again) if needed; nil while backing off after a failed creation.
    mutating func ensureProducer() throws -> KafkaProducer? {
        if let producer { return producer }
        let counters = self.counters
        let logger = self.logger
        let limiter = forwarder.kafkaLogLimiter
        do {
            let made = try KafkaProducer(
                configuration: configuration.sink,
                log: { record in
                    guard record.level <= 4,
                        case .log(let suppressed) = limiter.decide(facility: record.facility, message: record.message)
                    else { return }
                    let more = suppressed > 0 ? " (\(suppressed) more like it suppressed in the last minute)" : ""
                    logger.warning("librdkafka: \(record.facility): \(record.message)\(more)")
                },
                brokerStateChanged: { state in
                    counters.setBrokerState(state)
                    switch state {
                    case .up: logger.notice("Kafka brokers reachable")
                    case .down(let reason): logger.warning("Kafka brokers unreachable; frames stay in the spool", metadata: ["reason": "\(reason)"])
                    case .authenticationFailed(let reason):
                        logger.error(
                            "Kafka refused the login (SASL authentication failed); frames stay in the spool until the credentials (sasl.* properties) or the broker's user database are fixed",
                            metadata: ["reason": "\(reason)"])
                    case .unknown: break
                    }
                })
            producer = made
            return made
        } catch {
            logger.error("cannot create the Kafka producer", metadata: ["error": "\(error)"])
            sleep(backoff.fail(using: &rng))
            return nil
        }
    }

    /// The most frames one spool read produces.
    static let refillBatch = 512

    /// Reads frames after `next` and produces them while the window has room; returns how many.
    ///
    /// Frames are produced straight from the spool's read transaction (librdkafka copies them);
    /// gaps and dead letters, which need the spool, are handled after the transaction ends.
    @discardableResult
    mutating func fill(_ producer: KafkaProducer) throws -> Int {
        var produced = 0
        let spool = self.spool
        let builder = forwarder.builder
        // Frames acknowledged but not yet removed from the spool (normally one commit's worth) do not
        // hold up the window, but are capped by its size too: a crash sends both again, so what a
        // crash can send twice stays bounded (by twice the window).
        while window.count < configuration.maxInFlightFrames && uncommitted < configuration.maxInFlightFrames
            && window.bytes < configuration.maxInFlightBytes
        {
            let room = configuration.maxInFlightFrames - window.count
            // Refill in large steps (half the window), not a few frames after every poll: librdkafka
            // then builds large batches (fewer requests, reports and checksums per record), and each
            // spool read costs a transaction.
            if !window.isEmpty && room < configuration.maxInFlightFrames / 2 { return produced }
            var gapEnd: UInt64?
            var rejected: (sequence: UInt64, reason: String)?
            var stop = false
            let seen = try spool.withFrames(
                from: next, maxFrames: min(room, Self.refillBatch), maxBytes: configuration.maxInFlightBytes - window.bytes
            ) { sequence, bytes in
                if sequence > next {
                    // Sequences are contiguous at ingest: a hole was evicted (or dead-lettered earlier).
                    gapEnd = sequence
                    return false
                }
                if skipIfAlreadyInKafka(sequence) {
                    next = sequence + 1
                    return true
                }
                let (outcome, timestampIn) = builder.produce(frame: bytes, sequence: sequence, with: producer)
                switch outcome {
                case .accepted:
                    window.add(first: sequence, last: sequence, bytes: bytes.count, isGap: false, timestampIn: timestampIn)
                    produced += 1
                case .queueFull:
                    stop = true
                    return false
                case .failed(let error) where error.failureClass == .recordRejected:
                    window.add(first: sequence, last: sequence, bytes: 0, isGap: false)
                    rejected = (sequence, error.description)
                    return false
                case .failed(let error):
                    // librdkafka remembers a topic-level error (TOPIC_AUTHORIZATION_FAILED, …) and refuses
                    // records for the topic at once: the same destination failure as in a report.
                    fail(error.failureClass == .destinationRejected ? "Kafka rejects the destination" : "Kafka refused a record",
                         error: error.description)
                    stop = true
                    return false
                }
                next = sequence + 1
                return true
            }
            if seen == 0 || stop { return produced }
            if let gapEnd {
                guard try publishGaps(next..<gapEnd, producer) else { return produced }
            }
            if let rejected {
                try deadLetter(rejected.sequence, reason: rejected.reason)
                next = rejected.sequence + 1
            }
        }
        return produced
    }

    /// Produces gap records for the evicted sequences in `range` (skipping dead letters); false when
    /// the producer's queue is full or refused (try again later from the same place).
    mutating func publishGaps(_ range: Range<UInt64>, _ producer: KafkaProducer) throws -> Bool {
        let dead = Set(try spool.deadSequences(in: range))
        var start = range.lowerBound
        while start < range.upperBound {
            if dead.contains(start) {
                start += 1
                next = start
                continue
            }
            var end = start
            while end + 1 < range.upperBound && !dead.contains(end + 1) { end += 1 }
            if let last = skipGapIfAlreadyInKafka(start, endingBy: end) {
                start = last + 1
                next = start
                continue
            }
            let gap = GapKafkaMessage(
                serverName: configuration.serverName, spoolIdentity: forwarder.spoolIdentity, firstSequence: start,
                lastSequence: end, frames: end - start + 1, bytes: 0, timestamp: Date().timeIntervalSince1970)
            guard let bytes = try? gap.encoded() else { return false }
            let outcome = producer.produce(
                value: bytes, key: Array(configuration.serverName.utf8),
                headers: forwarder.builder.gapHeaders(first: start, last: end, serverName: configuration.serverName),
                timestamp: 0, token: start)
            guard case .accepted = outcome else {
                if case .failed(let error) = outcome { fail("Kafka refused a gap record", error: error.description) }
                return false
            }
            window.add(first: start, last: end, bytes: bytes.count, isGap: true)
            logger.warning(
                "published a gap record: the ring evicted frames before they were forwarded",
                metadata: ["first_sequence": "\(start)", "last_sequence": "\(end)", "frames": "\(end - start + 1)"])
            start = end + 1
            next = start
        }
        return true
    }
}
