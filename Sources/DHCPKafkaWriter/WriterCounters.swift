import Synchronization

/// What a ``DHCPKafkaWriter`` did with the transactions it was given; read it from any thread.
public struct WriterCounters: Sendable, Equatable {
    /// Frames the kernel queued for the daemon.
    public var sent: UInt64
    /// Dropped: the daemon's queue was full (daemon stalled or overloaded).
    public var droppedQueueFull: UInt64
    /// Dropped: no daemon was receiving on the socket (stopped or restarting).
    public var droppedDaemonDown: UInt64
    /// Dropped: a message or the server name was too long for the frame format, or the frame for the socket.
    public var droppedTooLarge: UInt64
    /// Dropped for any other socket error.
    public var droppedOther: UInt64

    /// Creates a set of counters (hosts that aggregate several writers add them up).
    public init(sent: UInt64, droppedQueueFull: UInt64, droppedDaemonDown: UInt64, droppedTooLarge: UInt64, droppedOther: UInt64) {
        self.sent = sent
        self.droppedQueueFull = droppedQueueFull
        self.droppedDaemonDown = droppedDaemonDown
        self.droppedTooLarge = droppedTooLarge
        self.droppedOther = droppedOther
    }

    /// All drops together.
    public var dropped: UInt64 { droppedQueueFull + droppedDaemonDown + droppedTooLarge + droppedOther }
    /// Every transaction handed to the writer.
    public var transactions: UInt64 { sent + dropped }
}

/// Counts frames that never reached the socket because they could not be encoded.
final class EncodingCounter: Sendable {
    let tooLarge = Atomic<UInt64>(0)
}
