import DHCPKafkaSpool
import Foundation
import JSONValue
import Testing

/// The broker side of a ``CrashLoop``: where it is, how to take it away and back, and how to read
/// the topic back. The loop itself never knows which broker it runs against.
public struct CrashLoopBroker {
    /// For reports.
    public var name: String
    /// `host:port` for the forwarder's `--broker`.
    public var bootstrapServers: String
    /// Added to every forwarder's environment (librdkafka 2.16 for tansu).
    public var forwarderEnvironment: [String: String]
    /// Takes the broker away (the mock: `takeBrokerDown`; tansu: SIGSTOP).
    public var takeDown: () throws -> Void
    /// Brings it back.
    public var bringUp: () throws -> Void
    /// Every record of the topic: at least `expected`, then whatever else arrives (duplicates).
    public var readBack: (_ expected: Int) throws -> [ReadBackRecord]

    /// Describes a broker.
    public init(
        name: String, bootstrapServers: String, forwarderEnvironment: [String: String] = [:], takeDown: @escaping () throws -> Void,
        bringUp: @escaping () throws -> Void, readBack: @escaping (_ expected: Int) throws -> [ReadBackRecord]
    ) {
        self.name = name
        self.bootstrapServers = bootstrapServers
        self.forwarderEnvironment = forwarderEnvironment
        self.takeDown = takeDown
        self.bringUp = bringUp
        self.readBack = readBack
    }
}

/// One record read back from Kafka: the forwarder's headers and the frame's identity.
public struct ReadBackRecord: Sendable {
    /// The `dhcpkafka-spool` header.
    public var spool: String
    /// The `dhcpkafka-sequence` header (a range for a gap record).
    public var sequence: String
    /// The frame's server name (the writer that sent it).
    public var server: String
    /// The frame's timestamp-in, which the writer logged when its `send()` succeeded.
    public var timestampIn: Double
    /// Where it is in Kafka (the offset is -1 where the reader does not say), for reports.
    public var partition: Int32
    /// Its offset in the partition, or -1.
    public var offset: Int64

    /// A record.
    public init(spool: String, sequence: String, server: String, timestampIn: Double, partition: Int32, offset: Int64 = -1) {
        self.spool = spool
        self.sequence = sequence
        self.server = server
        self.timestampIn = timestampIn
        self.partition = partition
        self.offset = offset
    }
}

/// Issue 13's crash test: writer processes send at a steady rate into `dhcpkafka run --no-forward`
/// (its supervising parent holds the socket) while the ingest worker and the forwarder are
/// SIGKILLed at random moments (seeded), the broker goes away and comes back (kills land during
/// the outages too), and at the end every frame whose `send()` succeeded must be in Kafka exactly
/// once, read back through the sequence headers (``check(_:)``).
///
/// The forwarder runs as `dhcpkafka forward`, started by this loop 1 s after each kill: that is
/// `run`'s first restart delay, but `run` doubles it (up to 30 s) for each death within a minute,
/// a crash-loop guard that would stretch 25 kills over more than ten minutes. The forwarder's
/// work is the same either way.
public struct CrashLoop {
    /// Writer processes (`dhcpkafka send`), each with its own server name.
    public var writers = 3
    /// Frames per second of each writer.
    public var rate = 300
    /// How long the writers send; the kills are spread over this time. Each forwarder round takes
    /// about 5 s at least (1 s restart delay, then the startup scan's 3 s quiet period after an
    /// unclean stop, then work to do before the next kill counts).
    public var seconds = 150.0
    /// SIGKILLs in all, half for the ingest worker and half for the forwarder, in random order.
    public var kills = 50
    /// The rounds (kill numbers) during which the broker is away.
    public var outages: [Range<Int>] = [8..<16, 30..<38]
    /// The forwarder's `--max-in-flight-frames`.
    public var window = 1_000
    /// Seeds the order of the kills and their moments.
    public var seed: UInt64

    /// A loop with the defaults above.
    public init(seed: UInt64) { self.seed = seed }

    /// Runs the loop against `broker` and checks the result; returns the report line it printed.
    @discardableResult
    public func run(_ broker: CrashLoopBroker) throws -> String {
        let state = try CrashLoopRun(self, broker: broker)
        try state.killLoop()
        return try state.finish()
    }
}

/// What one kill round found: whether the process was alive and had done work when it was killed.
struct KillTally {
    var ingestSent = 0
    var ingest = 0
    var forwarder = 0
    var ingestDuringOutage = 0
    var forwarderDuringOutage = 0
    var notReady: [String] = []
    var real: Int { ingest + forwarder }
}
