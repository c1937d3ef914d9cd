/// What the collector and the web layer need of a store: narrow on purpose, so another backend
/// (PostgreSQL for scale-out) can follow without touching either.
///
/// Implementations are safe to call from any thread; ``ingest(_:)`` is atomic: a batch is stored
/// whole or not at all, and returns only once it is durable, so offsets may be committed after it.
public protocol LookingGlassStore: Sendable {
    /// Stores a batch in one transaction; transactions whose identity is already stored are skipped.
    func ingest(_ batch: IngestBatch) throws(StoreError) -> IngestResult
    /// Every server, with its overview figures, by name.
    func servers(now: Double) throws(StoreError) -> [ServerSummary]
    /// Transactions matching `query`, newest first.
    func transactions(_ query: TransactionQuery) throws(StoreError) -> TransactionPage
    /// One transaction with its raw frame, or nil.
    func transaction(id: Int64) throws(StoreError) -> TransactionDetail?
    /// Clients matching a filter: one DUID's locations, shared locations, roaming DUIDs.
    func clients(_ filter: ClientFilter) throws(StoreError) -> [ClientRecord]
    /// Who had `address` (or prefix `ADDR/LEN`) at `time`.
    func leases(of text: String, kind: LeaseInput.Kind, at time: Double) throws(StoreError) -> [LeaseInterval]
    /// Removes what the retention policy no longer keeps; returns the number of rows removed.
    func prune(_ retention: Retention, now: Double) throws(StoreError) -> Int
    /// Counts and size.
    func statistics() throws(StoreError) -> StoreStatistics
}

/// A store failure, with what to do about it.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What failed and what to do.
    public var message: String

    /// Makes an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
