/// One transaction as the collector hands it to the store: everything decoded from a frame.
public struct TransactionInput: Sendable, Hashable {
    /// What makes a record unique across redeliveries: `s:SPOOL:EPOCH:SEQUENCE` from the relay's headers,
    /// or `h:HASH` (a hash of the value) for records without them.
    public var identity: String
    /// The DHCP server that handled it.
    public var serverName: String
    /// When the server received the request (seconds since the epoch).
    public var timestampIn: Double
    /// When it answered (seconds since the epoch; 0 when it did not).
    public var timestampOut: Double
    /// The client's message type (`solicit`, `request`...), or nil when there was no request.
    public var requestType: String?
    /// The server's message type, or nil when it did not answer.
    public var responseType: String?
    /// The client, or nil when no message named one.
    public var client: ClientInput?
    /// Addresses and prefixes in the reply (or in the request when there is no reply).
    public var leases: [LeaseInput]
    /// Status codes in the reply (`success`, `no-addrs-avail`...).
    public var statusCodes: [String]
    /// The frame as received from Kafka.
    public var raw: [UInt8]

    /// Makes a transaction.
    public init(
        identity: String, serverName: String, timestampIn: Double, timestampOut: Double, requestType: String?,
        responseType: String?, client: ClientInput?, leases: [LeaseInput], statusCodes: [String],
        raw: [UInt8]
    ) {
        self.identity = identity
        self.serverName = serverName
        self.timestampIn = timestampIn
        self.timestampOut = timestampOut
        self.requestType = requestType
        self.responseType = responseType
        self.client = client
        self.leases = leases
        self.statusCodes = statusCodes
        self.raw = raw
    }

    /// Server latency in milliseconds, when the server answered.
    public var latencyMs: Double? {
        guard responseType != nil, requestType != nil, timestampOut >= timestampIn else { return nil }
        return (timestampOut - timestampIn) * 1000
    }
}

/// A client: its DUID and the location the outermost real relay gives it.
public struct ClientInput: Sendable, Hashable {
    /// The DUID (wire bytes).
    public var duid: [UInt8]
    /// The interface-id of the outermost real relay (empty when none).
    public var interfaceID: [UInt8]
    /// The remote-id value of the outermost real relay, without its enterprise number (empty when none),
    /// as `dhcpkafka decode --json` shows `remote_id`.
    public var remoteID: [UInt8]
    /// The subscriber-id of the outermost real relay (empty when none).
    public var subscriberID: [UInt8]
    /// The MAC address from a DUID-LL/LLT or an EUI-64 link-local address, `aa:bb:cc:dd:ee:ff`.
    public var mac: String?

    /// Makes a client.
    public init(duid: [UInt8], interfaceID: [UInt8], remoteID: [UInt8], subscriberID: [UInt8], mac: String?) {
        self.duid = duid
        self.interfaceID = interfaceID
        self.remoteID = remoteID
        self.subscriberID = subscriberID
        self.mac = mac
    }
}

/// An address (IA_NA/IAADDR) or a delegated prefix (IA_PD/IAPREFIX) in a transaction.
public struct LeaseInput: Sendable, Hashable {
    /// Address or prefix.
    public enum Kind: String, Sendable, Hashable {
        /// An IAADDR.
        case address
        /// An IAPREFIX.
        case prefix
    }

    /// Address or prefix.
    public var kind: Kind
    /// The address or prefix in RFC 5952 text; prefixes as `ADDR/LEN`.
    public var text: String
    /// Preferred lifetime in seconds.
    public var preferredLifetime: UInt32
    /// Valid lifetime in seconds; 0 ends the lease.
    public var validLifetime: UInt32

    /// Makes a lease entry.
    public init(kind: Kind, text: String, preferredLifetime: UInt32, validLifetime: UInt32) {
        self.kind = kind
        self.text = text
        self.preferredLifetime = preferredLifetime
        self.validLifetime = validLifetime
    }
}

/// A gap record: frames a relay's spool evicted before forwarding them.
public struct GapInput: Sendable, Hashable {
    /// The server whose relay lost them.
    public var serverName: String
    /// The spool identity (UUID text).
    public var spool: String
    /// The first lost sequence.
    public var firstSequence: UInt64
    /// The last lost sequence.
    public var lastSequence: UInt64
    /// How many frames were lost.
    public var frames: UInt64
    /// When the gap record was made (seconds since the epoch).
    public var timestamp: Double

    /// Makes a gap.
    public init(
        serverName: String, spool: String, firstSequence: UInt64, lastSequence: UInt64, frames: UInt64, timestamp: Double
    ) {
        self.serverName = serverName
        self.spool = spool
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.frames = frames
        self.timestamp = timestamp
    }
}

/// A record the collector could not decode, kept for inspection.
public struct UndecodableInput: Sendable, Hashable {
    /// Why (a short stable reason such as `invalid-dhcpv6` or `unknown-type-7`).
    public var reason: String
    /// The full decoder message.
    public var detail: String
    /// The Kafka partition.
    public var partition: Int32
    /// The Kafka offset.
    public var offset: Int64
    /// The value, cut to ``UndecodableInput/maximumKeptBytes``.
    public var value: [UInt8]
    /// When the collector saw it.
    public var received: Double

    /// At most this many bytes of an undecodable value are kept.
    public static let maximumKeptBytes = 65_536

    /// Makes an entry; the value is cut to ``maximumKeptBytes``.
    public init(reason: String, detail: String, partition: Int32, offset: Int64, value: [UInt8], received: Double) {
        self.reason = reason
        self.detail = detail
        self.partition = partition
        self.offset = offset
        self.value = Array(value.prefix(Self.maximumKeptBytes))
        self.received = received
    }
}

/// Everything one poll of the collector produced, stored in one database transaction.
public struct IngestBatch: Sendable {
    /// Decoded transactions.
    public var transactions: [TransactionInput] = []
    /// Gap records.
    public var gaps: [GapInput] = []
    /// Undecodable records.
    public var undecodable: [UndecodableInput] = []

    /// An empty batch.
    public init() {}

    /// Whether there is nothing to store.
    public var isEmpty: Bool { transactions.isEmpty && gaps.isEmpty && undecodable.isEmpty }
}

/// What storing a batch did.
public struct IngestResult: Sendable, Hashable {
    /// Transactions stored for the first time.
    public var inserted: Int
    /// Transactions already stored (redelivered after a crash or rebalance), skipped.
    public var duplicates: Int
    /// The ids the inserted transactions got, in batch order (the skipped ones have none).
    public var insertedIDs: [Int64]

    /// Makes a result.
    public init(inserted: Int, duplicates: Int, insertedIDs: [Int64] = []) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.insertedIDs = insertedIDs
    }
}
