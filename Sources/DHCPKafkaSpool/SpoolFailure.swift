/// An error type an LMDB transaction helper (``LMDBEnvironment/write(_:)``,
/// ``LMDBTransaction/withCursor(_:_:)``) can throw: the closure's own errors, and LMDB's failures
/// of the helper itself (beginning or committing the transaction, opening the cursor).
protocol LMDBFailure: Error {
    /// Wraps a failure of LMDB itself.
    init(lmdb error: LMDBError)
}

/// An error thrown below the spool's public API. ``Spool`` turns it into a ``SpoolError`` once,
/// where it knows the path and what it was doing (``Spool/locked(_:write:_:)``, the opens):
/// no casts, each type says how it maps.
protocol SpoolFailure: Error {
    /// This error as the spool's public error, for the spool at `path` while doing `what`.
    func spoolError(path: String, doing what: String) -> SpoolError
    /// The LMDB failure this is, if it is one (the opens tell a missing database apart).
    var lmdbError: LMDBError? { get }
}

extension LMDBError: LMDBFailure, SpoolFailure {
    init(lmdb error: LMDBError) { self = error }

    var lmdbError: LMDBError? { self }

    func spoolError(path: String, doing what: String) -> SpoolError {
        SpoolError(lmdb: self, path: path, doing: what)
    }
}

extension SpoolError: SpoolFailure {
    func spoolError(path: String, doing what: String) -> SpoolError { self }

    var lmdbError: LMDBError? { nil }
}

/// What a transaction throws that can also refuse for the spool's own reasons (a frame not
/// stored, a damaged spool found by the consistency walk): LMDB's error, or the refusal, which
/// already says what to do. Throwing out of the transaction aborts it either way.
enum SpoolTransactionError: LMDBFailure, SpoolFailure {
    /// An LMDB call failed.
    case lmdb(LMDBError)
    /// The spool refuses, with its own message.
    case refused(SpoolError)

    init(lmdb error: LMDBError) { self = .lmdb(error) }

    var lmdbError: LMDBError? {
        guard case .lmdb(let error) = self else { return nil }
        return error
    }

    func spoolError(path: String, doing what: String) -> SpoolError {
        switch self {
        case .lmdb(let error): error.spoolError(path: path, doing: what)
        case .refused(let error): error
        }
    }
}

/// Runs LMDB calls inside a body that throws ``SpoolTransactionError``.
@inline(__always)
func lmdb<T>(_ body: () throws(LMDBError) -> T) throws(SpoolTransactionError) -> T {
    do { return try body() } catch { throw .lmdb(error) }
}

/// Runs a step that refuses with a ``SpoolError`` inside a body that throws ``SpoolTransactionError``.
@inline(__always)
func refusing<T>(_ body: () throws(SpoolError) -> T) throws(SpoolTransactionError) -> T {
    do { return try body() } catch { throw .refused(error) }
}

extension Array {
    /// `withUnsafeBytes` with the closure's error type kept (the standard library's rethrows untyped).
    @inline(__always)
    func withBytes<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        try withUnsafeBytes { bytes in Result { () throws(E) -> T in try body(bytes) } }.get()
    }
}
