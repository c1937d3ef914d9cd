import Synchronization

/// Fans newly stored transactions out to live-tail subscribers. Publishing never blocks: each
/// subscriber has a bounded buffer that keeps the newest entries, so a slow reader loses the oldest
/// lines of its own tail and never stalls the collector.
public final class LiveFeed: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<TransactionSummary>.Continuation]>([:])
    private let closed = Atomic<Bool>(false)
    private let nextID = Atomic<Int>(0)
    /// At most this many subscribers at once; more are refused.
    public let maximumSubscribers: Int
    /// Entries a subscriber may fall behind by before the oldest are dropped.
    public let bufferPerSubscriber: Int

    /// Makes a feed.
    public init(maximumSubscribers: Int = 64, bufferPerSubscriber: Int = 256) {
        self.maximumSubscribers = maximumSubscribers
        self.bufferPerSubscriber = bufferPerSubscriber
    }

    /// A stream of transactions stored from now on, or nil when ``maximumSubscribers`` are already
    /// listening. The subscription ends when the stream's consumer stops iterating.
    public func subscribe() -> AsyncStream<TransactionSummary>? {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(
            of: TransactionSummary.self, bufferingPolicy: .bufferingNewest(bufferPerSubscriber))
        let added = subscribers.withLock { list -> Bool in
            guard list.count < maximumSubscribers, !closed.load(ordering: .relaxed) else { return false }
            list[id] = continuation
            return true
        }
        guard added else { return nil }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every subscription and refuses new ones: on shutdown, so live-tail connections (which
    /// never end by themselves) do not hold the web server's graceful shutdown open.
    public func close() {
        let ended = subscribers.withLock { list -> [AsyncStream<TransactionSummary>.Continuation] in
            closed.store(true, ordering: .relaxed)
            defer { list.removeAll() }
            return Array(list.values)
        }
        for continuation in ended { continuation.finish() }
    }

    /// How many subscribers are listening.
    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Hands `transactions` to every subscriber without waiting.
    public func publish(_ transactions: [TransactionSummary]) {
        guard !transactions.isEmpty else { return }
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets {
            for transaction in transactions { continuation.yield(transaction) }
        }
    }
}
