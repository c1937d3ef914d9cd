import DHCPKafkaWire
import DHCPv6

/// Pre-encoded frames for `dhcpkafka send`: real transactions with varied client DUIDs and
/// transaction ids, so sending costs a copy and two timestamp patches, not an encode.
struct LoadFramePool {
    private var frames: [[UInt8]] = []
    private var timestampOffsets: [(in: Int, out: Int)] = []
    private var next = 0
    private var lastTimestamp = 0.0

    /// Builds `variants` frames from `templates`, each with its own client (DUID-LL from the variant
    /// number) and transaction id, labelled with `serverName`.
    init(templates: [DHCPKafkaMessage], variants: Int, serverName: String, seed: UInt32) throws(KafkaWireError) {
        for variant in 0..<max(variants, 1) {
            var frame = templates[variant % templates.count]
            let client = UInt32(truncatingIfNeeded: variant) &* 2_654_435_761 &+ seed
            let mac: [UInt8] = [0x02, UInt8(seed & 0xFF), UInt8(client >> 24), UInt8((client >> 16) & 0xFF),
                                UInt8((client >> 8) & 0xFF), UInt8(client & 0xFF)]
            let transactionID = (client ^ (client >> 9)) & 0xFF_FFFF
            frame.serverName = serverName
            frame.messageIn = frame.messageIn.map { Self.retarget($0, duid: .ll(hardwareType: 1, linkLayerAddress: mac), transactionID: transactionID) }
            frame.messageOut = frame.messageOut.map { Self.retarget($0, duid: .ll(hardwareType: 1, linkLayerAddress: mac), transactionID: transactionID) }
            let bytes = try frame.encoded()
            let nameLength = Int(bytes[1])
            let inOffset = 2 + nameLength
            let lengthIn = Int(bytes[inOffset + 8]) << 8 | Int(bytes[inOffset + 9])
            frames.append(bytes)
            timestampOffsets.append((inOffset, inOffset + 10 + lengthIn))
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

    /// The next frame, stamped with a timestamp-in strictly after the previous one's (so each
    /// writer's frames are unique and ordered by it) and a timestamp-out a little later.
    mutating func nextFrame(at now: Double) -> (bytes: [UInt8], timestampIn: Double) {
        withNextFrame(at: now) { bytes, timestamp in (Array(bytes), timestamp) }
    }

    /// Like ``nextFrame(at:)`` but lends the frame in place (stamped in the pool's own storage)
    /// instead of copying it: no allocation per frame.
    mutating func withNextFrame<R>(at now: Double, _ body: (UnsafeRawBufferPointer, Double) -> R) -> R {
        var timestamp = now
        if timestamp <= lastTimestamp { timestamp = lastTimestamp.nextUp }
        lastTimestamp = timestamp
        let index = next
        next = (next + 1) % frames.count
        let offsets = timestampOffsets[index]
        Self.patch(&frames[index], at: offsets.in, with: timestamp)
        Self.patch(&frames[index], at: offsets.out, with: timestamp + 0.000_5)
        return frames[index].withUnsafeBytes { body($0, timestamp) }
    }

    private static func patch(_ bytes: inout [UInt8], at offset: Int, with value: Double) {
        let bits = value.bitPattern
        for i in 0..<8 { bytes[offset + i] = UInt8((bits >> UInt64(56 - 8 * i)) & 0xFF) }
    }
}
