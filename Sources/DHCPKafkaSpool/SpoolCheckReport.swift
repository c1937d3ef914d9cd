/// What ``Spool/check(chunkFrames:validate:)`` found: totals of what it walked and every problem,
/// each with what to do about it.
public struct SpoolCheckReport: Sendable {
    /// One inconsistency in the spool.
    public struct Problem: Sendable, Equatable {
        /// A stable short name, e.g. `stored-bytes-mismatch`, for scripts and tests.
        public var code: String
        /// What is wrong, with the sequences or numbers involved.
        public var message: String
        /// What an operator should do about it.
        public var action: String

        /// Creates a problem (only the check makes them).
        package init(code: String, message: String, action: String) {
            self.code = code
            self.message = message
            self.action = action
        }
    }

    /// Every problem found, in the order found; empty when the spool is healthy.
    public var problems: [Problem] = []
    /// Stored frames walked.
    public var frames = 0
    /// Sum of their stored sizes (frame plus the 8-byte header), as `stored_bytes` counts them.
    public var frameBytes = 0
    /// Lowest and highest stored sequence walked.
    public var firstSequence: UInt64?
    /// Highest stored sequence walked.
    public var lastSequence: UInt64?
    /// Stored frames whose bytes the caller's validator rejected.
    public var undecodableFrames = 0
    /// Dead letters walked.
    public var deadLetters = 0
    /// Gap records walked.
    public var gaps = 0
    /// The next sequence recorded in `meta` (from the first read transaction).
    public var nextSequence: UInt64 = 0
    /// The acked watermark recorded in `meta` (from the first read transaction).
    public var ackedWatermark: UInt64 = 0
    /// `stored_bytes` recorded in `meta` (from the first read transaction).
    public var storedBytesCounter: UInt64 = 0
    /// True if all frames were walked in one read transaction, so totals could be compared with
    /// the counters; false when a running writer made the walk use several short transactions.
    public var singleSnapshot = true
    /// Read transactions the frame walk used.
    public var readTransactions = 0
    /// LMDB page size.
    public var pageSize = 0
    /// LMDB map size: the most `data.mdb` can grow to.
    public var mapSize = 0
    /// Bytes of the map in use: (last used page + 1) × page size.
    public var mapUsed = 0
    /// Size of `data.mdb`.
    public var fileSize = 0
    /// Reader slots of dead processes cleared while checking.
    public var staleReadersCleared = 0
    /// `mdb_reader_list` lines (pid, thread, transaction), without leading padding, of the readers in
    /// use while checking.
    public var readers: [String] = []

    /// True when no problem was found.
    public var isHealthy: Bool { problems.isEmpty }

    /// Creates an empty report.
    public init() {}
}
