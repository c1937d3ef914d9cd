/// How the daemon receives frames: the socket, who may write to it, and how much it buffers.
public struct IngestConfiguration: Sendable, Equatable, Codable {
    /// The Unix datagram socket path writers send to.
    public var socketPath: String
    /// File mode of the socket file (default 0660: owner and group may write).
    public var socketMode: UInt32
    /// Group id for the socket file, or `nil` to keep the daemon's group.
    public var socketGroup: UInt32?
    /// Which senders may write; everyone who can open the socket file when empty.
    public var senders: SenderPolicy
    /// `SO_RCVBUF` for the socket: the kernel queue that absorbs bursts while a commit runs.
    public var receiveBufferBytes: Int
    /// The kernel's per-socket datagram queue limit the daemon raises `net.unix.max_dgram_qlen` to
    /// before binding (when privileged). The kernel default, 10, drops bursts.
    public var minimumDatagramQueueLength: Int
    /// After a partly filled receive batch, wait this long before reading again so datagrams are
    /// read in batches (fewer wake-ups and system calls). Adds at most this much latency.
    public var receiveCoalescing: Duration
    /// The most frame bytes waiting in memory for the next commit. When reached, the daemon stops
    /// reading the socket until the commit returns; writers then see a full queue and count drops.
    public var maxPendingBytes: Int
    /// How long a graceful stop may retry commits that fail (disk full) before it gives up on the
    /// frames held in memory, logs how many were lost and exits non-zero.
    public var shutdownTimeout: Duration
    /// Peek at datagrams and remove them from the socket queue only once committed (`SO_PEEK_OFF`),
    /// so a crash of the reader loses nothing that reached the queue.
    public var peekUntilCommitted: Bool

    /// The production socket path (systemd's `RuntimeDirectory=dhcpkafka`).
    public static let productionSocketPath = "/run/dhcpkafka/ingest.sock"
    /// The development socket path, relative to the working directory.
    public static let developmentSocketPath = "var/dhcpkafka.sock"

    /// Makes a configuration; the defaults suit a busy DHCP server.
    public init(
        socketPath: String = IngestConfiguration.developmentSocketPath, socketMode: UInt32 = 0o660,
        socketGroup: UInt32? = nil, senders: SenderPolicy = SenderPolicy(),
        receiveBufferBytes: Int = 8 << 20, minimumDatagramQueueLength: Int = 4096, maxPendingBytes: Int = 4 << 20,
        receiveCoalescing: Duration = .microseconds(250), shutdownTimeout: Duration = .seconds(10),
        peekUntilCommitted: Bool = true
    ) {
        self.peekUntilCommitted = peekUntilCommitted
        self.shutdownTimeout = shutdownTimeout
        self.receiveCoalescing = receiveCoalescing
        self.minimumDatagramQueueLength = minimumDatagramQueueLength
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.socketGroup = socketGroup
        self.senders = senders
        self.receiveBufferBytes = receiveBufferBytes
        self.maxPendingBytes = maxPendingBytes
    }
}

/// Which processes may hand frames to the daemon, by the uid and gid the kernel reports for them.
///
/// The socket file's mode and group are the first gate; this is the second, for sockets that a
/// wider group can reach. A sender passes when its uid is listed, or its primary gid or one of its
/// supplementary groups is listed (the kernel passes only the primary gid with a datagram; the
/// daemon reads the others from `/proc/PID/status` while the sender runs).
public struct SenderPolicy: Sendable, Equatable, Codable {
    /// User ids allowed to send.
    public var allowedUIDs: Set<UInt32>
    /// Group ids allowed to send.
    public var allowedGIDs: Set<UInt32>

    /// A policy; both sets empty means anyone who can open the socket may send.
    public init(allowedUIDs: Set<UInt32> = [], allowedGIDs: Set<UInt32> = []) {
        self.allowedUIDs = allowedUIDs
        self.allowedGIDs = allowedGIDs
    }

    /// Whether the policy checks senders at all.
    public var isRestricted: Bool { !allowedUIDs.isEmpty || !allowedGIDs.isEmpty }

    /// Whether a sender with these ids may send.
    public func permits(uid: UInt32, gid: UInt32) -> Bool {
        !isRestricted || allowedUIDs.contains(uid) || allowedGIDs.contains(gid)
    }

    /// Whether a sender with these supplementary groups may send (when its uid and gid did not pass).
    public func permits(supplementaryGroups: Set<UInt32>) -> Bool {
        !allowedGIDs.isDisjoint(with: supplementaryGroups)
    }
}
