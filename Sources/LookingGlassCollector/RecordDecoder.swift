import DHCPKafkaSink
import DHCPKafkaWire
import DHCPv6
import LookingGlassStore
import TextCodecs

/// Turns one Kafka record into what the store keeps: a transaction, a gap, or an undecodable entry.
/// Never throws: whatever cannot be decoded becomes an ``UndecodableInput`` with a reason.
public struct RecordDecoder: Sendable {
    /// How DHCPKit's wrapper relay is recognised.
    public var wrapperMode: ClientLocation.WrapperMode

    /// Makes a decoder.
    public init(wrapperMode: ClientLocation.WrapperMode = .auto) {
        self.wrapperMode = wrapperMode
    }

    /// What a record turned into.
    public enum Outcome: Sendable {
        /// A DHCPv6 transaction.
        case transaction(TransactionInput)
        /// A gap record.
        case gap(GapInput)
        /// Something that did not decode.
        case undecodable(UndecodableInput)
    }

    /// Decodes `record`; `now` stamps undecodable entries.
    public func decode(_ record: ConsumedRecord, now: Double) -> Outcome {
        func undecodable(_ reason: String, _ detail: String) -> Outcome {
            .undecodable(UndecodableInput(
                reason: reason, detail: detail, partition: record.partition, offset: record.offset, value: record.value,
                received: now))
        }
        guard !record.value.isEmpty else { return undecodable("empty", "the record has no value") }
        let message: any KafkaMessage
        do {
            message = try KafkaMessageRegistry.dhcpKafka.decodeFrame(record.value)
        } catch {
            return undecodable(error.code.rawValue, error.description)
        }
        if let gap = message as? GapKafkaMessage {
            return .gap(GapInput(
                serverName: gap.serverName, spool: gap.spoolIdentityText, firstSequence: gap.firstSequence,
                lastSequence: gap.lastSequence, frames: gap.frames, timestamp: gap.timestamp))
        }
        guard let frame = message as? DHCPKafkaMessage else {
            return undecodable("unknown-type-\(message.messageType)", "Kafka message type \(message.messageType) is not a transaction")
        }
        guard frame.messageIn != nil || frame.messageOut != nil else {
            return undecodable("no-messages", "the frame has neither message-in nor message-out")
        }
        return .transaction(transaction(frame, identity: Self.identity(of: record), raw: record.value))
    }

    /// The record's identity: the relay's spool, epoch and sequence headers when present, else a hash of the value.
    public static func identity(of record: ConsumedRecord) -> String {
        var spool: [UInt8]?
        var sequence: [UInt8]?
        var epoch: [UInt8]?
        for (name, value) in record.headers {
            switch name {
            case "dhcpkafka-spool": spool = value
            case "dhcpkafka-sequence": sequence = value
            case "dhcpkafka-epoch": epoch = value
            default: continue
            }
        }
        if let spool, let sequence, !spool.isEmpty, !sequence.isEmpty {
            let text = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }
            return "s:\(text(spool)):\(epoch.map(text) ?? "0"):\(text(sequence))"
        }
        return "h:" + ContentHash.fnv1a128(record.value)
    }

    func transaction(_ frame: DHCPKafkaMessage, identity: String, raw: [UInt8]) -> TransactionInput {
        let carrier = frame.messageIn ?? frame.messageOut
        let relays = carrier.map { ClientLocation.realRelays(of: $0, mode: wrapperMode) } ?? []
        let client = carrier.flatMap { ClientLocation.client(of: $0, relays: relays) }
        let requestType = frame.messageIn.map { $0.innermostMessage.messageType.name }
        let responseType = frame.messageOut.map { $0.innermostMessage.messageType.name }
        // Release and Decline name their leases in the request; everything else in the reply.
        let leaseSource = ["release", "decline"].contains(requestType ?? "") ? frame.messageIn : frame.messageOut
        let leases = (leaseSource?.assignedLeases ?? []).map { lease in
            LeaseInput(
                kind: lease.kind == .address ? .address : .prefix,
                text: lease.kind == .address
                    ? lease.address.description : LeaseInput.prefixText(lease.address, length: Int(lease.prefixLength)),
                preferredLifetime: lease.preferredLifetime, validLifetime: lease.validLifetime)
        }
        return TransactionInput(
            identity: identity, serverName: frame.serverName, timestampIn: frame.timestampIn,
            timestampOut: frame.messageOut == nil ? 0 : frame.timestampOut, requestType: requestType,
            responseType: responseType, client: client, leases: leases,
            statusCodes: frame.messageOut.map(Self.statusCodes) ?? [], raw: raw)
    }

    /// Status codes of the innermost message and of its IAs and their addresses/prefixes.
    static func statusCodes(_ message: DHCPv6Message) -> [String] {
        var codes: [String] = []
        func walk(_ options: [DHCPv6Option]) {
            for option in options {
                switch option {
                case .statusCode(let status): codes.append(status.name)
                case .iaNA(let ia), .iaPD(let ia): walk(ia.options)
                case .iaTA(let ia): walk(ia.options)
                case .iaAddress(let address): walk(address.options)
                case .iaPrefix(let prefix): walk(prefix.options)
                default: continue
                }
            }
        }
        walk(message.innermostMessage.options)
        return codes
    }
}

/// A content hash for records without the relay's headers (dhcpkit-kafka's), in hex.
enum ContentHash {
    /// FNV-1a, 128 bits.
    static func fnv1a128(_ bytes: [UInt8]) -> String {
        var hash: UInt128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d
        let prime: UInt128 = (1 << 88) + 0x13b
        for byte in bytes {
            hash ^= UInt128(byte)
            hash = hash &* prime
        }
        let high = UInt64(truncatingIfNeeded: hash >> 64)
        let low = UInt64(truncatingIfNeeded: hash)
        return hex64(high) + hex64(low)
    }

    static func hex64(_ value: UInt64) -> String { Hex.padded(value, digits: 16) }
}
