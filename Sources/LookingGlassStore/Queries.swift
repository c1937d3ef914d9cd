/// A server as the overview shows it.
public struct ServerSummary: Sendable, Hashable {
    /// The server name (client-controlled text: escape it).
    public var name: String
    /// When its newest transaction arrived (seconds since the epoch).
    public var lastSeen: Double
    /// Stored transactions.
    public var transactions: Int
    /// Stored transactions without an answer.
    public var unanswered: Int
    /// Server latency percentiles over the answered transactions, in ms (nil when none).
    public var latencyP50Ms: Double?
    /// The 99th percentile.
    public var latencyP99Ms: Double?
    /// Frames lost according to gap records.
    public var lostFrames: Int
    /// Transactions per request type (`solicit`: 12...), the type mix.
    public var typeMix: [(String, Int)]
    /// Transactions per minute over the last hour (60 buckets, oldest first).
    public var perMinute: [Int]

    /// Makes a summary.
    public init(
        name: String, lastSeen: Double, transactions: Int, unanswered: Int, latencyP50Ms: Double?, latencyP99Ms: Double?,
        lostFrames: Int, typeMix: [(String, Int)], perMinute: [Int]
    ) {
        self.name = name
        self.lastSeen = lastSeen
        self.transactions = transactions
        self.unanswered = unanswered
        self.latencyP50Ms = latencyP50Ms
        self.latencyP99Ms = latencyP99Ms
        self.lostFrames = lostFrames
        self.typeMix = typeMix
        self.perMinute = perMinute
    }

    /// Equal when every field is.
    public static func == (lhs: ServerSummary, rhs: ServerSummary) -> Bool {
        lhs.name == rhs.name && lhs.lastSeen == rhs.lastSeen && lhs.transactions == rhs.transactions
            && lhs.unanswered == rhs.unanswered && lhs.latencyP50Ms == rhs.latencyP50Ms
            && lhs.latencyP99Ms == rhs.latencyP99Ms && lhs.lostFrames == rhs.lostFrames
            && lhs.typeMix.elementsEqual(rhs.typeMix, by: ==) && lhs.perMinute == rhs.perMinute
    }

    /// Hashes the name.
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// Filters for a transaction search; nil fields do not filter.
public struct TransactionQuery: Sendable, Hashable {
    /// Client DUID (wire bytes).
    public var duid: [UInt8]?
    /// Server name.
    public var server: String?
    /// Interface-id of the outermost real relay: any of these byte strings (empty: no filter). A
    /// search box gives two when its text is also hex (`cafe`: the bytes `ca fe` or the text `cafe`).
    public var interfaceIDs: [[UInt8]] = []
    /// Remote-id value of the outermost real relay (without the enterprise number): any of these.
    public var remoteIDs: [[UInt8]] = []
    /// Subscriber-id: any of these.
    public var subscriberIDs: [[UInt8]] = []
    /// MAC address, `aa:bb:cc:dd:ee:ff`.
    public var mac: String?
    /// An address or prefix (`ADDR/LEN`) in RFC 5952 text that appears in the transaction.
    public var address: String?
    /// Only transactions received at or after this time.
    public var since: Double?
    /// Only transactions received before this time.
    public var until: Double?
    /// Only transactions the server did not answer.
    public var unansweredOnly = false
    /// At most this many (1-1000).
    public var limit = 100
    /// Continue below this transaction id (the `next` cursor of the previous page).
    public var before: Int64?

    /// No filters.
    public init() {}
}

/// One row of a transaction list.
public struct TransactionSummary: Sendable, Hashable {
    /// The stored id.
    public var id: Int64
    /// The server name.
    public var serverName: String
    /// Timestamps (seconds since the epoch).
    public var timestampIn: Double
    /// 0 when unanswered.
    public var timestampOut: Double
    /// Request type name, if any.
    public var requestType: String?
    /// Response type name, if any.
    public var responseType: String?
    /// The client's DUID bytes (empty when none).
    public var clientDUID: [UInt8]
    /// The client's interface-id bytes (empty when none).
    public var interfaceID: [UInt8]
    /// The client's remote-id bytes (empty when none).
    public var remoteID: [UInt8]
    /// Addresses in the transaction.
    public var addresses: [String]
    /// Prefixes in the transaction.
    public var prefixes: [String]
    /// Server latency in ms.
    public var latencyMs: Double?

    /// Makes a row.
    public init(
        id: Int64, serverName: String, timestampIn: Double, timestampOut: Double, requestType: String?,
        responseType: String?, clientDUID: [UInt8], interfaceID: [UInt8], remoteID: [UInt8], addresses: [String],
        prefixes: [String], latencyMs: Double?
    ) {
        self.id = id
        self.serverName = serverName
        self.timestampIn = timestampIn
        self.timestampOut = timestampOut
        self.requestType = requestType
        self.responseType = responseType
        self.clientDUID = clientDUID
        self.interfaceID = interfaceID
        self.remoteID = remoteID
        self.addresses = addresses
        self.prefixes = prefixes
        self.latencyMs = latencyMs
    }
}

/// A page of transactions, newest first.
public struct TransactionPage: Sendable, Hashable {
    /// The rows.
    public var transactions: [TransactionSummary]
    /// The cursor for the next page, nil on the last one.
    public var next: Int64?

    /// Makes a page.
    public init(transactions: [TransactionSummary], next: Int64?) {
        self.transactions = transactions
        self.next = next
    }
}

/// One stored transaction with its raw frame, for the full decode.
public struct TransactionDetail: Sendable, Hashable {
    /// The list row.
    public var summary: TransactionSummary
    /// The frame as received.
    public var raw: [UInt8]
    /// The status codes in the reply.
    public var statusCodes: [String]
    /// The MAC of the client, if known.
    public var mac: String?

    /// Makes a detail.
    public init(summary: TransactionSummary, raw: [UInt8], statusCodes: [String], mac: String?) {
        self.summary = summary
        self.raw = raw
        self.statusCodes = statusCodes
        self.mac = mac
    }
}

/// A lease interval: who had an address or prefix, from when until when.
public struct LeaseInterval: Sendable, Hashable {
    /// The client's DUID bytes.
    public var clientDUID: [UInt8]
    /// The client's interface-id bytes (empty when none).
    public var interfaceID: [UInt8]
    /// The client's remote-id bytes (empty when none).
    public var remoteID: [UInt8]
    /// The server that handed it out.
    public var serverName: String
    /// Address or prefix.
    public var kind: LeaseInput.Kind
    /// The address, or the prefix as `ADDR/LEN`.
    public var text: String
    /// Start (seconds since the epoch).
    public var from: Double
    /// End: the end of the valid lifetime, or when it was released, declined or given lifetime 0.
    public var until: Double

    /// Makes an interval.
    public init(
        clientDUID: [UInt8], interfaceID: [UInt8], remoteID: [UInt8], serverName: String, kind: LeaseInput.Kind,
        text: String, from: Double, until: Double
    ) {
        self.clientDUID = clientDUID
        self.interfaceID = interfaceID
        self.remoteID = remoteID
        self.serverName = serverName
        self.kind = kind
        self.text = text
        self.from = from
        self.until = until
    }
}

/// How long things are kept.
public struct Retention: Sendable, Hashable {
    /// Transactions kept per client (newest first).
    public var transactionsPerClient: Int
    /// Transactions older than this many seconds are removed.
    public var transactionAge: Double
    /// Lease intervals that ended longer ago than this many seconds are removed.
    public var leaseAge: Double

    /// Makes a retention policy.
    public init(transactionsPerClient: Int = 1000, transactionAge: Double = 30 * 86400, leaseAge: Double = 400 * 86400) {
        self.transactionsPerClient = transactionsPerClient
        self.transactionAge = transactionAge
        self.leaseAge = leaseAge
    }
}

/// Counts for metrics and health.
public struct StoreStatistics: Sendable, Hashable {
    /// Stored transactions.
    public var transactions: Int
    /// Known clients.
    public var clients: Int
    /// Lease intervals.
    public var leases: Int
    /// Undecodable records kept, per reason.
    public var undecodable: [String: Int]
    /// Bytes of the database file and its WAL.
    public var bytesOnDisk: Int64

    /// Makes statistics.
    public init(transactions: Int, clients: Int, leases: Int, undecodable: [String: Int], bytesOnDisk: Int64) {
        self.transactions = transactions
        self.clients = clients
        self.leases = leases
        self.undecodable = undecodable
        self.bytesOnDisk = bytesOnDisk
    }
}

/// Which clients to list.
public enum ClientFilter: Sendable, Hashable {
    /// Every location of one DUID (a client timeline across servers).
    case duid([UInt8])
    /// Locations (interface-id + remote-id of the outermost real relay) with several DUIDs.
    case sharedLocation
    /// DUIDs seen at several locations.
    case roaming
}

/// A client at one location.
public struct ClientRecord: Sendable, Hashable {
    /// The DUID bytes.
    public var duid: [UInt8]
    /// Interface-id of the outermost real relay (empty when none).
    public var interfaceID: [UInt8]
    /// Remote-id value (empty when none).
    public var remoteID: [UInt8]
    /// Subscriber-id (empty when none).
    public var subscriberID: [UInt8]
    /// MAC, when known.
    public var mac: String?
    /// Stored transactions at this location.
    public var transactions: Int
    /// The newest of them (seconds since the epoch; 0 when none is kept).
    public var lastSeen: Double

    /// Makes a record.
    public init(
        duid: [UInt8], interfaceID: [UInt8], remoteID: [UInt8], subscriberID: [UInt8], mac: String?, transactions: Int,
        lastSeen: Double
    ) {
        self.duid = duid
        self.interfaceID = interfaceID
        self.remoteID = remoteID
        self.subscriberID = subscriberID
        self.mac = mac
        self.transactions = transactions
        self.lastSeen = lastSeen
    }
}
