import DHCPKafkaSocket
import SystemPackage
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a DHCPv6 server uses to hand each transaction to the DHCPKafka daemon.
///
/// Mirrors the original dhcpkit-kafka handler's lifecycle: ``begin(incoming:at:)`` when a message
/// arrives, ``finish(_:reply:at:)`` when the reply (or none) went out; the frame is encoded and sent
/// then. Or call ``write(incoming:receivedAt:reply:sentAt:)`` with both at once.
///
/// Never blocks the calling DHCP worker: the socket is non-blocking, and when the daemon is down,
/// stalled or its queue full, the frame is dropped and counted in ``counters``. After the daemon
/// restarts the writer reconnects by itself (at most one attempt per `reconnectInterval`). Safe
/// to share between threads. Encoding allocates nothing on the heap for frames up to a few KiB
/// (a temporary buffer on the stack); larger frames use one temporary buffer.
public final class DHCPKafkaWriter: Sendable {
    /// The server name frames are labelled with.
    public let serverName: String
    /// The daemon's socket path.
    public var socketPath: String { client.path }

    private let client: UnixDatagramClient
    private let nameBytes: [UInt8]
    private let encoding = EncodingCounter()
    private let firstFailures: FirstFailureReport

    /// Prepares a writer; no connection is made until the first frame, so the daemon may start later.
    ///
    /// - Parameters:
    ///   - socketPath: the daemon's ingest socket (`socket path` in its configuration).
    ///   - serverName: labels every frame; at most 255 UTF-8 bytes (dhcpkit-kafka's `server-name`).
    ///   - reconnectInterval: the least time between connect attempts while the daemon is unreachable.
    ///   - sendBufferBytes: `SO_SNDBUF`: how many bytes of this writer's frames may wait for the daemon.
    ///   - report: called with one line for the first drop of each kind (daemon down, permission denied,
    ///     queue full, too large, other), saying what to do; standard error by default, `nil` for none.
    ///     Called on the sending thread: it should not block for long.
    /// - Throws: ``WriterError`` when the server name or socket path cannot work.
    public init(
        socketPath: String, serverName: String, reconnectInterval: Duration = .milliseconds(100),
        sendBufferBytes: Int = 1 << 20, report: (@Sendable (String) -> Void)? = DHCPKafkaWriter.reportToStandardError
    ) throws(WriterError) {
        guard serverName.utf8.count <= FrameEncoder.maximumServerNameBytes else {
            throw WriterError.serverNameTooLong(bytes: serverName.utf8.count)
        }
        guard !socketPath.isEmpty, socketPath.utf8.count <= 107 else {
            throw WriterError.socketPathInvalid(path: socketPath)
        }
        self.serverName = serverName
        nameBytes = Array(serverName.utf8)
        client = UnixDatagramClient(path: socketPath, reconnectInterval: reconnectInterval, sendBufferBytes: sendBufferBytes)
        firstFailures = FirstFailureReport(path: socketPath, report: report)
    }

    /// The default `report`: the line on standard error.
    public static let reportToStandardError: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// Starts a transaction: the message the server received and when (seconds since the epoch).
    public func begin(incoming: [UInt8], at time: Double = WallClock.now()) -> Transaction {
        Transaction(incoming: incoming, receivedAt: time)
    }

    /// Finishes a transaction with the server's reply (or `nil` when it sent none) and sends its frame.
    @discardableResult
    public func finish(_ transaction: Transaction, reply: [UInt8]?, at time: Double = WallClock.now()) -> WriteOutcome {
        transaction.incoming.withUnsafeBytes { incoming in
            withOptionalBytes(reply) { outgoing in
                write(incoming: incoming, receivedAt: transaction.receivedAt, reply: outgoing, sentAt: time)
            }
        }
    }

    /// Encodes one transaction and sends it without blocking.
    ///
    /// - Parameters:
    ///   - incoming: the received message as it came off the wire, or `nil`.
    ///   - receivedAt: when it was received, seconds since the epoch.
    ///   - reply: the reply as sent, or `nil` when the server sent none.
    ///   - sentAt: when the reply was sent (or the transaction ended).
    /// - Returns: whether the frame was queued for the daemon, or why it was dropped (also counted).
    @discardableResult
    public func write(
        incoming: UnsafeRawBufferPointer?, receivedAt: Double, reply: UnsafeRawBufferPointer?, sentAt: Double
    ) -> WriteOutcome {
        guard let size = FrameEncoder.frameSize(
            serverNameBytes: nameBytes.count, messageInBytes: incoming?.count ?? 0, messageOutBytes: reply?.count ?? 0)
        else {
            encoding.tooLarge.add(1, ordering: .relaxed)
            firstFailures.note(.droppedTooLarge)
            return .droppedTooLarge
        }
        return withUnsafeTemporaryAllocation(byteCount: size, alignment: 1) { buffer in
            nameBytes.withUnsafeBytes { name in
                FrameEncoder.write(
                    into: buffer, serverName: name, messageIn: incoming, timestampIn: receivedAt, messageOut: reply,
                    timestampOut: sentAt)
            }
            let outcome = WriteOutcome(client.send(UnsafeRawBufferPointer(buffer)))
            firstFailures.note(outcome)
            return outcome
        }
    }

    /// What happened to the transactions so far.
    public var counters: WriterCounters {
        let socket = client.counters
        return WriterCounters(
            sent: socket.sent, droppedQueueFull: socket.droppedQueueFull, droppedDaemonDown: socket.droppedDaemonDown,
            droppedTooLarge: socket.droppedTooLarge + encoding.tooLarge.load(ordering: .relaxed),
            droppedOther: socket.droppedOther, droppedPermissionDenied: socket.droppedPermissionDenied)
    }
}

/// A received message waiting for the server's reply (see ``DHCPKafkaWriter/begin(incoming:at:)``).
public struct Transaction: Sendable {
    /// The received message.
    public let incoming: [UInt8]
    /// When it was received, seconds since the epoch.
    public let receivedAt: Double
}

/// Why a ``DHCPKafkaWriter`` cannot be made: a ``Code`` to match on and a message that says what to do.
///
/// A struct rather than an enum, so a later release can add codes without breaking a `switch` in
/// the server that links this library. Match with `error.code == .serverNameTooLong`.
public struct WriterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The code's name, e.g. `serverNameTooLong`.
        public var description: String { name }

        /// The server name is longer than a frame holds (255 bytes of UTF-8).
        public static let serverNameTooLong = Code("serverNameTooLong")
        /// The socket path is empty or longer than a Unix socket address holds (107 bytes).
        public static let socketPathInvalid = Code("socketPathInvalid")
    }

    /// The kind of problem.
    public let code: Code
    /// What went wrong and what to do, for the operator.
    public let message: String

    /// Makes an error.
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func serverNameTooLong(bytes: Int) -> WriterError {
        WriterError(
            .serverNameTooLong,
            "server name is \(bytes) bytes of UTF-8; frames carry at most 255: choose a shorter server-name")
    }

    static func socketPathInvalid(path: String) -> WriterError {
        WriterError(
            .socketPathInvalid,
            "socket path '\(path)' must be 1 to 107 bytes: choose a shorter path for the daemon's socket")
    }

    /// The ``message``.
    public var description: String { message }
}

/// The wall clock as frames record it: seconds since the epoch, with sub-microsecond resolution.
public enum WallClock {
    /// Now.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}

/// What happened to one transaction's frame: queued for the daemon, or why it was dropped (and counted).
public enum WriteOutcome: Sendable, Equatable {
    /// The kernel queued the frame for the daemon.
    case sent
    /// The daemon's queue is full (it is stalled or overloaded).
    case droppedQueueFull
    /// Nobody is receiving on the socket (daemon stopped or restarting).
    case droppedDaemonDown
    /// This process may not reach the socket (permissions); see ``WriterCounters/droppedPermissionDenied``.
    case droppedPermissionDenied
    /// A message or the frame is too large for the frame format or the socket.
    case droppedTooLarge
    /// Any other socket error, with its errno value.
    case droppedError(Int32)

    init(_ outcome: SendOutcome) {
        switch outcome {
        case .sent: self = .sent
        case .droppedQueueFull: self = .droppedQueueFull
        case .droppedDaemonDown: self = .droppedDaemonDown
        case .droppedPermissionDenied: self = .droppedPermissionDenied
        case .droppedTooLarge: self = .droppedTooLarge
        case .droppedError(let errno): self = .droppedError(errno.rawValue)
        }
    }
}
