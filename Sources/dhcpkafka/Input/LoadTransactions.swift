import DHCPKafkaWire
import DHCPKafkaWriter
import DHCPv6

/// Realistic transactions for `dhcpkafka send`: real captured exchanges, each variant with its own
/// client (DUID-LL) and transaction id, kept as raw packets so that sending one is exactly what a
/// DHCP server's handler does: ``DHCPKafkaWriter/write(incoming:receivedAt:reply:sentAt:)``.
struct LoadTransactions {
    private var packets: [(incoming: [UInt8]?, reply: [UInt8]?)] = []
    private var next = 0
    private var lastTimestamp = 0.0

    /// Builds `variants` transactions from `templates`; the client of variant `n` gets a DUID-LL
    /// derived from `n` and `seed`, so different writer processes use different clients.
    init(templates: [DHCPKafkaMessage], variants: Int, seed: UInt32) {
        for variant in 0..<max(variants, 1) {
            let frame = templates[variant % templates.count]
            let client = UInt32(truncatingIfNeeded: variant) &* 2_654_435_761 &+ seed
            let mac: [UInt8] = [0x02, UInt8(seed & 0xFF), UInt8(client >> 24), UInt8((client >> 16) & 0xFF),
                                UInt8((client >> 8) & 0xFF), UInt8(client & 0xFF)]
            let duid = DUID.ll(hardwareType: 1, linkLayerAddress: mac)
            let transactionID = (client ^ (client >> 9)) & 0xFF_FFFF
            packets.append((
                frame.messageIn.map { Self.retarget($0, duid: duid, transactionID: transactionID).serialized() },
                frame.messageOut.map { Self.retarget($0, duid: duid, transactionID: transactionID).serialized() }))
        }
    }

    /// The innermost client message gets `duid` as client-id and `transactionID`; relays are kept.
    static func retarget(_ message: DHCPv6Message, duid: DUID, transactionID: UInt32) -> DHCPv6Message {
        switch message {
        case .relay(var relay):
            if let inner = relay.relayedMessage {
                relay.relayedMessage = retarget(inner, duid: duid, transactionID: transactionID)
            }
            return .relay(relay)
        case .clientServer(var inner):
            inner.transactionID = transactionID
            inner.options = inner.options.map { option in
                if case .clientID = option { return .clientID(duid) }
                return option
            }
            return .clientServer(inner)
        case .unknown:
            return message
        }
    }

    /// Hands the next transaction to `writer`, received at `now` (nudged past the previous one, so
    /// each writer's timestamps-in are unique and increasing) and answered 0.5 ms later.
    mutating func send(with writer: DHCPKafkaWriter, at now: Double) -> (outcome: WriteOutcome, timestampIn: Double) {
        var timestamp = now
        if timestamp <= lastTimestamp { timestamp = lastTimestamp.nextUp }
        lastTimestamp = timestamp
        let packet = packets[next]
        next = (next + 1) % packets.count
        let outcome = Self.withBytes(packet.incoming) { incoming in
            Self.withBytes(packet.reply) { reply in
                writer.write(incoming: incoming, receivedAt: timestamp, reply: reply, sentAt: timestamp + 0.000_5)
            }
        }
        return (outcome, timestamp)
    }

    private static func withBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeBytes { body($0) }
    }
}
