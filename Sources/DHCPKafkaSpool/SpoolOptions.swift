import CLMDB

#if canImport(Glibc)
import Glibc
#endif

/// How hard the spool pushes each commit to stable storage.
///
/// A crash of the *process* alone (SIGKILL, a trap) never loses a committed frame in any mode:
/// committed pages are in the kernel's page cache. The modes differ only in what an
/// *operating-system crash or power loss* can lose:
public enum SpoolDurability: Sendable, Equatable, CustomStringConvertible {
    /// Every commit is `fdatasync`ed before ``Spool/append(_:counterDeltas:)`` returns (plain LMDB).
    /// An OS crash or power loss loses nothing that was accepted. Slowest.
    case sync
    /// `MDB_NOMETASYNC`: data pages are synced at commit, the meta page is not. An OS crash can
    /// roll back the last committed transaction(s) since the previous sync (those frames are lost
    /// and their sequence numbers may be handed out again), but never corrupts the spool.
    case noMetaSync
    /// `MDB_NOSYNC`: commits are not synced; the spool syncs (`mdb_env_sync`) when an append or
    /// ``Spool/syncIfDue()`` runs at least `interval` after the last sync, and on close.
    /// An OS crash can lose the frames accepted in up to the last `interval` (longer if nothing
    /// calls `syncIfDue()` while appends pause); lost sequences may be handed out again. On file
    /// systems that do not keep write order, an OS crash can also corrupt the spool.
    case periodic(interval: Duration)

    /// `sync`, `noMetaSync` or `periodic(<seconds>s)`.
    public var description: String {
        switch self {
        case .sync: return "sync"
        case .noMetaSync: return "noMetaSync"
        case .periodic(let interval): return "periodic(\(interval))"
        }
    }
}

/// Sizes and durability of a spool opened for writing.
public struct SpoolOptions: Sendable, Equatable {
    /// The ring's capacity: the sum of stored frame value sizes (frame bytes plus the
    /// ``Spool/frameHeaderSize``-byte header). Older frames are evicted to stay within it.
    public var capacityBytes: Int
    /// An optional limit on the number of stored frames; older frames are evicted beyond it.
    public var maxFrames: Int?
    /// When commits reach stable storage.
    public var durability: SpoolDurability
    /// The most bytes of dead letters kept; the oldest are dropped (counted) beyond it.
    /// Defaults to a quarter of the capacity.
    public var deadLetterCapacityBytes: Int
    /// The kernel's boot id, recorded when the ingest writer opens the spool (default:
    /// ``currentBootID``). A spool left open by a writer of the same boot was stopped by a process
    /// crash, which loses no commit in any mode, so its epoch stays; one left open in an earlier
    /// boot may have lost its tail to an OS crash, and its epoch is bumped (docs/spool.md, "Epoch").
    /// `nil` (no boot id readable): every unclean stop in `noMetaSync`/`periodic` bumps it.
    public var bootID: String?

    /// `/proc/sys/kernel/random/boot_id` (a UUID the kernel makes at each boot), or nil where there is none.
    public static let currentBootID: String? = {
        guard let file = fopen("/proc/sys/kernel/random/boot_id", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let bytes = buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }()

    /// The smallest capacity a spool takes; `dhcpkafka run` refuses less instead of raising it.
    public static let minimumCapacityBytes = 64 << 10

    /// Options for a ring of `capacityBytes` (at least ``minimumCapacityBytes``).
    public init(capacityBytes: Int = 1 << 30, maxFrames: Int? = nil,
                durability: SpoolDurability = .sync, deadLetterCapacityBytes: Int? = nil,
                bootID: String? = SpoolOptions.currentBootID) {
        self.capacityBytes = max(capacityBytes, Self.minimumCapacityBytes)
        self.maxFrames = maxFrames.map { max($0, 1) }
        self.durability = durability
        self.deadLetterCapacityBytes = deadLetterCapacityBytes ?? self.capacityBytes / 4
        self.bootID = bootID
    }

    /// The LMDB map size, which bounds `data.mdb` on disk:
    /// `4 × (capacityBytes + deadLetterCapacityBytes) + 16 MiB`, rounded up to 1 MiB.
    ///
    /// Why: frame pages are kept ≤ 2 × capacity (B-tree fill and overflow pages waste at most
    /// about half a page per value; the spool evicts when the frames tree passes that), dead
    /// letters likewise, and the rest covers pages freed in the last transactions that LMDB
    /// cannot reuse yet (more while a reader holds an old snapshot), the other databases and
    /// the two meta pages. If the map fills anyway, the spool evicts and retries.
    public var mapSize: Int {
        let raw = 4 * (capacityBytes + deadLetterCapacityBytes) + (16 << 20)
        return (raw + (1 << 20) - 1) & ~((1 << 20) - 1)
    }
}

/// Which process opens a spool for writing. See ``Spool/open(at:role:)``.
public enum SpoolRole: Sendable, Equatable, CustomStringConvertible {
    /// The daemon's ingest side (`writer.lock`); creates the spool and records its settings.
    case ingest
    /// The forwarder (`forwarder.lock`): reads frames, removes what Kafka acknowledged.
    case forwarder
    /// One-off administrative changes (dead letters); no lock.
    case maintenance

    /// `ingest`, `forwarder` or `maintenance`.
    public var description: String {
        switch self {
        case .ingest: return "ingest"
        case .forwarder: return "forwarder"
        case .maintenance: return "maintenance"
        }
    }
}

extension SpoolDurability {
    /// The LMDB environment flags of this mode.
    var lmdbFlags: UInt32 {
        switch self {
        case .sync: return 0
        case .noMetaSync: return UInt32(MDB_NOMETASYNC)
        case .periodic: return UInt32(MDB_NOSYNC)
        }
    }

    /// Parses ``description`` as recorded in the spool's meta; unknown text means `.sync`.
    init(recorded text: String) {
        if text == "noMetaSync" {
            self = .noMetaSync
        } else if text.hasPrefix("periodic("), let seconds = Double(text.dropFirst(9).prefix { $0.isNumber || $0 == "." }) {
            self = .periodic(interval: .milliseconds(Int64(seconds * 1000)))
        } else {
            self = .sync
        }
    }
}
