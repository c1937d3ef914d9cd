import DHCPKafkaWire
import DHCPv6

/// What the forwarder hands to Kafka for one spooled frame: the frame unchanged as the value,
/// plus key, timestamp and headers.
struct RecordBuilder {
    let key: RecordKey
    /// `dhcpkafka-spool`: the spool identity (UUID text).
    let spoolHeader: (String, [UInt8])

    init(key: RecordKey, spoolIdentity: String) {
        self.key = key
        self.spoolHeader = ("dhcpkafka-spool", Array(spoolIdentity.utf8))
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
                      ("dhcpkafka-server", Array(serverName.utf8))])
    }

    /// Headers for a gap record covering `first…last`.
    func gapHeaders(first: UInt64, last: UInt64, serverName: String) -> [(String, [UInt8])] {
        [spoolHeader, ("dhcpkafka-sequence", Array("\(first)-\(last)".utf8)), ("dhcpkafka-server", Array(serverName.utf8))]
    }
}
