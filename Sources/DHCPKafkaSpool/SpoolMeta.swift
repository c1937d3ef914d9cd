import CLMDB
import TextCodecs

/// The database handles of a spool environment.
struct SpoolDatabases {
    /// `frames`: 8-byte big-endian sequence → 8-byte big-endian receive time + frame bytes.
    var frames: MDB_dbi
    /// `meta`: ASCII key → value (8-byte big-endian counters, identity bytes, text).
    var meta: MDB_dbi
    /// `dead`: sequence → receive time (8) + error length (4) + error UTF-8 + frame bytes.
    var dead: MDB_dbi
    /// `gaps`: first evicted sequence → last sequence (8) + frames (8) + bytes (8).
    var gaps: MDB_dbi

    /// Opens (or creates) the four databases in `txn`.
    static func open(in txn: LMDBTransaction, create: Bool) throws(LMDBError) -> SpoolDatabases {
        SpoolDatabases(
            frames: try txn.openDatabase("frames", create: create),
            meta: try txn.openDatabase("meta", create: create),
            dead: try txn.openDatabase("dead", create: create),
            gaps: try txn.openDatabase("gaps", create: create))
    }
}

/// Keys of the `meta` database and typed access to them.
enum MetaKey {
    static let format = "format"                  // u64: on-disk format, 1
    static let identity = "identity"              // 16 bytes: UUID v4, made at creation
    static let nextSequence = "next_seq"          // u64: next sequence to assign (starts at 1)
    static let storedBytes = "stored_bytes"       // u64: sum of frame value sizes
    static let appended = "appended"              // u64: frames ever accepted
    static let evictedFrames = "evicted_frames"   // u64
    static let evictedBytes = "evicted_bytes"     // u64
    static let acked = "acked"                    // u64: ackedWatermark
    static let deadBytes = "dead_bytes"           // u64: sum of dead-letter value sizes
    static let deadDropped = "dead_dropped"       // u64: dead letters dropped over the limit
    static let capacityBytes = "capacity_bytes"   // u64: as last opened by a writer
    static let maxFrames = "max_frames"           // u64: 0 = no limit
    static let durability = "durability"          // UTF-8 text
    static let counterPrefix = "counter."         // + name → u64, bumped by callers
    static let epoch = "epoch"                    // u64: bumped when an OS crash may have lost the tail
    static let openState = "open_state"           // u64: 1 while an ingest writer runs, 2 once it closed
    static let bootID = "boot_id"                 // UTF-8: the kernel boot id when the ingest writer opened it
    static let evictedDelivered = "evicted_delivered" // u64: evicted frames delivered before eviction

    /// ``openState`` while an ingest writer has the spool open.
    static let openStateRunning: UInt64 = 1
    /// ``openState`` after the ingest writer closed it.
    static let openStateClosed: UInt64 = 2

    /// The on-disk format this code writes.
    static let currentFormat: UInt64 = 1

    /// Calls `body` with the UTF-8 bytes of `key`.
    static func with<T, E: Error>(_ key: String, _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        var key = key
        // withUTF8 rethrows untyped: carry the typed error out in a Result.
        return try key.withUTF8 { utf8 in Result { () throws(E) -> T in try body(UnsafeRawBufferPointer(utf8)) } }.get()
    }
}

extension LMDBTransaction {
    /// The u64 stored in `meta` under `key`, or 0.
    func metaValue(_ dbs: SpoolDatabases, _ key: String) throws(LMDBError) -> UInt64 {
        try MetaKey.with(key) { k throws(LMDBError) in
            guard let v = try get(dbs.meta, key: k) else { return 0 }
            return SequenceKey.decode(v) ?? 0
        }
    }

    /// Stores a u64 in `meta` under `key`.
    func setMetaValue(_ dbs: SpoolDatabases, _ key: String, _ value: UInt64) throws(LMDBError) {
        try MetaKey.with(key) { k throws(LMDBError) in
            try SequenceKey.with(value) { v throws(LMDBError) in try put(dbs.meta, key: k, value: v) }
        }
    }

    /// The raw bytes stored in `meta` under `key`, copied, or nil.
    func metaBytes(_ dbs: SpoolDatabases, _ key: String) throws(LMDBError) -> [UInt8]? {
        try MetaKey.with(key) { k throws(LMDBError) in try get(dbs.meta, key: k).map { Array($0) } }
    }

    /// Stores raw bytes in `meta` under `key`.
    func setMetaBytes(_ dbs: SpoolDatabases, _ key: String, _ value: [UInt8]) throws(LMDBError) {
        try MetaKey.with(key) { k throws(LMDBError) in
            try value.withBytes { v throws(LMDBError) in try put(dbs.meta, key: k, value: v) }
        }
    }
}

/// The spool identity: a random UUID v4.
enum SpoolIdentity {
    /// 16 random bytes with the version 4 and RFC 4122 variant bits set.
    static func make() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return bytes
    }

    /// The canonical lowercase `8-4-4-4-12` text form.
    static func string(_ bytes: [UInt8]) -> String { Hex.uuid(bytes) }
}
