import CLMDB

#if canImport(Glibc)
import Glibc
#endif

/// An LMDB result code: an `MDB_*` error or an `errno` value returned by an `mdb_*` function.
///
/// Codes match with `~=`, so callers can `switch error.code { case .mapFull: ... }`.
struct LMDBResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw code as returned by LMDB.
    let rawValue: Int32

    /// Creates a code from a raw LMDB return value.
    init(rawValue: Int32) { self.rawValue = rawValue }

    static let success = LMDBResultCode(rawValue: MDB_SUCCESS)
    static let keyExists = LMDBResultCode(rawValue: MDB_KEYEXIST)
    static let notFound = LMDBResultCode(rawValue: MDB_NOTFOUND)
    static let corrupted = LMDBResultCode(rawValue: MDB_CORRUPTED)
    static let panic = LMDBResultCode(rawValue: MDB_PANIC)
    static let versionMismatch = LMDBResultCode(rawValue: MDB_VERSION_MISMATCH)
    static let invalid = LMDBResultCode(rawValue: MDB_INVALID)
    static let mapFull = LMDBResultCode(rawValue: MDB_MAP_FULL)
    static let dbsFull = LMDBResultCode(rawValue: MDB_DBS_FULL)
    static let readersFull = LMDBResultCode(rawValue: MDB_READERS_FULL)
    static let txnFull = LMDBResultCode(rawValue: MDB_TXN_FULL)
    static let mapResized = LMDBResultCode(rawValue: MDB_MAP_RESIZED)
    static let pageNotFound = LMDBResultCode(rawValue: MDB_PAGE_NOTFOUND)
    static let incompatible = LMDBResultCode(rawValue: MDB_INCOMPATIBLE)
    static let badValueSize = LMDBResultCode(rawValue: MDB_BAD_VALSIZE)
    static let badTransaction = LMDBResultCode(rawValue: MDB_BAD_TXN)
    static let noSpace = LMDBResultCode(rawValue: ENOSPC)
    static let quotaExceeded = LMDBResultCode(rawValue: EDQUOT)
    static let accessDenied = LMDBResultCode(rawValue: EACCES)
    static let readOnlyFileSystem = LMDBResultCode(rawValue: EROFS)
    static let noEntry = LMDBResultCode(rawValue: ENOENT)
    static let ioError = LMDBResultCode(rawValue: EIO)

    /// Returns true if both codes are the same.
    static func ~= (pattern: LMDBResultCode, code: LMDBResultCode) -> Bool {
        pattern == code
    }

    /// LMDB's own text for this code (`mdb_strerror`, which also covers `errno` values).
    var description: String {
        guard let text = mdb_strerror(rawValue) else { return "LMDB error \(rawValue)" }
        return String(cString: text)
    }
}

/// A failed `mdb_*` call: which function failed and with what code, and what the spool found
/// when LMDB itself reported success but handed back something unusable.
struct LMDBError: Error, Sendable, CustomStringConvertible {
    /// The result code of the call.
    let code: LMDBResultCode
    /// The LMDB function that returned it, e.g. `mdb_txn_commit`; never prose.
    let function: String
    /// What was wrong with the call's result, when the code is the spool's verdict rather than
    /// LMDB's (e.g. `a frames record does not decode`).
    let detail: String?

    init(code: LMDBResultCode, function: String, detail: String? = nil) {
        self.code = code
        self.function = function
        self.detail = detail
    }

    /// A record that `function` returned but that does not decode as a `record`.
    static func undecodable(_ record: String, from function: String) -> LMDBError {
        LMDBError(code: .corrupted, function: function, detail: "a \(record) does not decode")
    }

    var description: String {
        let call = "\(function): \(code) (\(code.rawValue))"
        return detail.map { "\(call): \($0)" } ?? call
    }
}

/// Checks the return value of an `mdb_*` call, throwing an ``LMDBError`` unless it is success.
@inline(__always)
func lmdbCheck(_ rc: Int32, _ function: @autoclosure () -> String) throws(LMDBError) {
    if rc != MDB_SUCCESS {
        throw LMDBError(code: LMDBResultCode(rawValue: rc), function: function())
    }
}
