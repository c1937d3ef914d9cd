/// A DHCPv6 message (RFC 8415 section 8 and 9): client/server, relay, or an unknown type kept raw.
public enum DHCPv6Message: Sendable, Hashable {
    /// A message in the client/server layout: types 1-11 and 14-21.
    case clientServer(ClientServerMessage)
    /// A relay-forw (12) or relay-repl (13) message.
    case relay(RelayMessage)
    /// Any other message type, with everything after the type byte kept raw.
    case unknown(type: UInt8, data: [UInt8])

    /// Parses exactly `length` bytes (default: to the end) starting at `offset` of `bytes`.
    /// The message fills the whole range; error offsets are absolute positions in `bytes`.
    public static func parse(_ bytes: [UInt8], offset: Int = 0, length: Int? = nil) throws(DHCPv6Error) -> DHCPv6Message {
        try bytes.withUnsafeBufferPointer { (buffer) throws(DHCPv6Error) in
            try parse(buffer, offset: offset, length: length)
        }
    }

    /// Parses exactly `length` bytes (default: to the end) starting at `offset` of `bytes`.
    /// The message fills the whole range; error offsets are absolute positions in `bytes`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int = 0, length: Int? = nil)
        throws(DHCPv6Error) -> DHCPv6Message
    {
        var reader = try reader(BuildModel.self, bytes, offset: offset, length: length)
        return try parse(&reader, relayDepth: 0)
    }

    /// Checks that exactly `length` bytes (default: to the end) at `offset` of `bytes` are a message
    /// that ``parse(_:offset:length:)`` accepts, without building it: the same parser walks the bytes
    /// but keeps nothing, so this allocates nothing. Throws exactly the error `parse` would throw.
    public static func validate(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int = 0, length: Int? = nil)
        throws(DHCPv6Error)
    {
        var reader = try reader(ValidateOnly.self, bytes, offset: offset, length: length)
        _ = try parse(&reader, relayDepth: 0)
    }

    /// Checks, without building it, that `bytes` hold a message ``parse(_:offset:length:)`` accepts.
    public static func validate(_ bytes: [UInt8], offset: Int = 0, length: Int? = nil) throws(DHCPv6Error) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(DHCPv6Error) in
            try validate(buffer, offset: offset, length: length)
        }
    }

    private static func reader<Mode: ParseMode>(
        _ mode: Mode.Type, _ bytes: UnsafeBufferPointer<UInt8>, offset: Int, length: Int?
    ) throws(DHCPv6Error) -> MessageReader<Mode> {
        let end = length.map { offset &+ $0 } ?? bytes.count
        guard offset >= 0, offset <= bytes.count, end >= offset, end <= bytes.count else {
            throw DHCPv6Error(
                field: "input", offset: max(0, offset),
                reason: "range of \(length.map(byteCount) ?? "all bytes") at \(offset) is outside a buffer of \(byteCount(bytes.count))")
        }
        return MessageReader(bytes: bytes, position: offset, end: end)
    }

    /// Parses a message filling the rest of `reader`.
    static func parse<Mode>(_ r: inout MessageReader<Mode>, relayDepth: Int) throws(DHCPv6Error) -> DHCPv6Message {
        let type = MessageType(rawValue: try r.u8("msg-type"))
        if type.isClientServer {
            let txid = try r.u24("transaction-id")
            let options = try DHCPv6Option.parseList(&r, relayDepth: relayDepth, nesting: 0)
            return .clientServer(ClientServerMessage(type: type, transactionID: txid, options: options))
        }
        if type.isRelay {
            let hopCount: UInt8
            let link: IPv6Address
            let peer: IPv6Address
            do {
                hopCount = try r.u8("hop-count")
                link = try r.address("link-address")
                peer = try r.address("peer-address")
            } catch {
                throw error.prefixed(type.name)
            }
            let options = try DHCPv6Option.parseList(&r, relayDepth: relayDepth, nesting: 0)
            return .relay(RelayMessage(type: type, hopCount: hopCount, linkAddress: link, peerAddress: peer, options: options))
        }
        return .unknown(type: type.rawValue, data: r.rest())
    }

    /// The message as it appears on the wire.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        serialize(into: &out)
        return out
    }

    /// Appends the wire form to `buffer`.
    public func serialize(into buffer: inout [UInt8]) {
        switch self {
        case .clientServer(let m):
            buffer.append(m.type.rawValue)
            buffer.append(UInt8(truncatingIfNeeded: m.transactionID >> 16))
            buffer.append(UInt8(truncatingIfNeeded: m.transactionID >> 8))
            buffer.append(UInt8(truncatingIfNeeded: m.transactionID))
            DHCPv6Option.serialize(m.options, into: &buffer)
        case .relay(let m):
            buffer.append(m.type.rawValue)
            buffer.append(m.hopCount)
            m.linkAddress.append(to: &buffer)
            m.peerAddress.append(to: &buffer)
            DHCPv6Option.serialize(m.options, into: &buffer)
        case let .unknown(type, data):
            buffer.append(type)
            buffer.append(contentsOf: data)
        }
    }

    /// The message type.
    public var messageType: MessageType {
        switch self {
        case .clientServer(let m): m.type
        case .relay(let m): m.type
        case .unknown(let type, _): MessageType(rawValue: type)
        }
    }

    /// The top-level options (empty for unknown messages).
    public var options: [DHCPv6Option] {
        switch self {
        case .clientServer(let m): m.options
        case .relay(let m): m.options
        case .unknown: []
        }
    }
}

/// A client/server message: type, 24-bit transaction id and options.
public struct ClientServerMessage: Sendable, Hashable {
    /// The message type (1-11 or 14-21 for messages that parse back to this layout).
    public var type: MessageType
    /// The transaction id; only the low 24 bits go on the wire.
    public var transactionID: UInt32
    /// The options in wire order.
    public var options: [DHCPv6Option]

    /// Creates a client/server message.
    public init(type: MessageType, transactionID: UInt32, options: [DHCPv6Option] = []) {
        self.type = type
        self.transactionID = transactionID
        self.options = options
    }
}

/// A relay-forw or relay-repl message. The relayed message lives in a ``DHCPv6Option/relayMessage(_:)``
/// option among ``options``; ``relayedMessage`` reads and writes that option.
public struct RelayMessage: Sendable, Hashable {
    /// ``MessageType/relayForward`` or ``MessageType/relayReply``.
    public var type: MessageType
    /// How many relays have relayed this message before.
    public var hopCount: UInt8
    /// An address identifying the client's link (may be unspecified).
    public var linkAddress: IPv6Address
    /// The address of the client or relay the message came from or goes to.
    public var peerAddress: IPv6Address
    /// The options in wire order, including the relay-msg option.
    public var options: [DHCPv6Option]

    /// Creates a relay message; put the relayed message in a `.relayMessage` option in `options`.
    public init(
        type: MessageType, hopCount: UInt8, linkAddress: IPv6Address, peerAddress: IPv6Address,
        options: [DHCPv6Option] = []
    ) {
        self.type = type
        self.hopCount = hopCount
        self.linkAddress = linkAddress
        self.peerAddress = peerAddress
        self.options = options
    }

    /// The message in the first relay-msg option, or `nil`. Setting replaces that option in place,
    /// appends one if there was none, or (with `nil`) removes all relay-msg options.
    public var relayedMessage: DHCPv6Message? {
        get {
            for case .relayMessage(let m) in options { return m }
            return nil
        }
        set {
            let index = options.firstIndex { $0.code == 9 }
            guard let newValue else {
                options.removeAll { $0.code == 9 }
                return
            }
            if let index { options[index] = .relayMessage(newValue) } else { options.append(.relayMessage(newValue)) }
        }
    }
}
