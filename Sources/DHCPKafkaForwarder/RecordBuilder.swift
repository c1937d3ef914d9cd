import DHCPKafkaSink
import DHCPKafkaWire
import DHCPv6

/// What the forwarder hands to Kafka for one spooled frame: the frame unchanged as the value,
/// plus key, timestamp and headers.
struct RecordBuilder {
    let key: RecordKey
    /// `dhcpkafka-spool`: the spool identity (UUID text).
    let spoolHeader: (String, [UInt8])
    let spoolHeaderValue: [UInt8]
    /// `dhcpkafka-epoch`: the spool's epoch (decimal), bumped when sequences may have been reused.
    let epochHeader: (String, [UInt8])

    init(key: RecordKey, spoolIdentity: String, epoch: UInt64 = 0) {
        self.key = key
        self.spoolHeader = ("dhcpkafka-spool", Array(spoolIdentity.utf8))
        self.spoolHeaderValue = Array(spoolIdentity.utf8)
        self.epochHeader = ("dhcpkafka-epoch", Array(String(epoch).utf8))
    }

    struct Record {
        let key: [UInt8]?
        let timestampMilliseconds: Int64
        /// timestamp-in in seconds (0 when the frame has none).
        let timestampIn: Double
        let headers: [(String, [UInt8])]
    }

    /// Key, timestamp (timestamp-in) and headers (spool, sequence, server name) for a frame.
    /// Frames that do not decode (they were validated at ingest, so only after a format change)
    /// still go out, keyed and stamped as well as possible.
    func record(for frame: [UInt8], sequence: UInt64) -> Record {
        let message = (try? KafkaMessageRegistry.standard.decodeFrame(frame)) as? DHCPKafkaMessage
        let serverName = message?.serverName ?? ""
        var timestamp: Int64 = 0
        if let seconds = message?.timestampIn, seconds.isFinite, seconds > 0, seconds < 32_503_680_000 {
            timestamp = Int64(seconds * 1000)
        }
        let recordKey: [UInt8]?
        switch key {
        case .none: recordKey = nil
        case .serverName: recordKey = Array(serverName.utf8)
        case .clientDUID: recordKey = message?.clientDUID?.bytes ?? Array(serverName.utf8)
        }
        return Record(
            key: recordKey, timestampMilliseconds: timestamp, timestampIn: timestamp > 0 ? message?.timestampIn ?? 0 : 0,
            headers: [spoolHeader, ("dhcpkafka-sequence", Array(String(sequence).utf8)),
                      ("dhcpkafka-server", Array(serverName.utf8)), epochHeader])
    }

    /// Produces a spooled frame (value unchanged) with the key, timestamp and headers ``record(for:sequence:)``
    /// gives it, reading them straight from the frame's bytes (``DHCPKafkaMessage/locate(in:)``) without
    /// decoding it or allocating; frames it cannot locate take the decoding path. Returns the outcome
    /// and the frame's timestamp-in (0 when unknown).
    func produce(frame: UnsafeRawBufferPointer, sequence: UInt64, with producer: KafkaProducer)
        -> (outcome: ProduceOutcome, timestampIn: Double)
    {
        guard let layout = DHCPKafkaMessage.locate(in: frame) else {
            let bytes = Array(frame)
            let record = record(for: bytes, sequence: sequence)
            let outcome = producer.produce(
                value: frame, key: record.key, headers: record.headers, timestamp: record.timestampMilliseconds,
                token: sequence)
            return (outcome, record.timestampIn)
        }
        var timestamp: Int64 = 0
        let seconds = layout.timestampIn
        if seconds.isFinite, seconds > 0, seconds < 32_503_680_000 { timestamp = Int64(seconds * 1000) }
        let serverName = UnsafeRawBufferPointer(rebasing: frame[layout.serverName])
        let keyRange: Range<Int>?
        switch key {
        case .none: keyRange = nil
        case .serverName: keyRange = layout.serverName
        case .clientDUID: keyRange = layout.clientDUID ?? layout.serverName
        }
        // Empty key / server name: a non-null empty buffer, as from an empty array (an empty key, not a null key).
        let keyBytes = keyRange.map { UnsafeRawBufferPointer(rebasing: frame[$0]) }
        let outcome = withDecimal(sequence) { sequenceText in
            spoolHeaderValue.withUnsafeBytes { spool in
                epochHeader.1.withUnsafeBytes { epoch in
                    producer.produce(
                        value: frame, key: keyBytes, timestamp: timestamp, token: sequence, headerCount: 4
                    ) { list in
                        list.add("dhcpkafka-spool", spool) && list.add("dhcpkafka-sequence", sequenceText)
                            && list.add("dhcpkafka-server", serverName) && list.add("dhcpkafka-epoch", epoch)
                    }
                }
            }
        }
        return (outcome, timestamp > 0 ? seconds : 0)
    }

    /// Headers for a gap record covering `first…last`.
    func gapHeaders(first: UInt64, last: UInt64, serverName: String) -> [(String, [UInt8])] {
        [spoolHeader, ("dhcpkafka-sequence", Array("\(first)-\(last)".utf8)), ("dhcpkafka-server", Array(serverName.utf8)),
         epochHeader]
    }
}

/// Calls `body` with the decimal digits of `value`, from a stack buffer.
private func withDecimal<R>(_ value: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
        var digits = 0
        var rest = value
        repeat {
            buffer[19 - digits] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            digits += 1
        } while rest > 0
        return body(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[(20 - digits)...]))
    }
}
