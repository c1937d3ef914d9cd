#if canImport(Glibc)
import Glibc
#endif

/// What the committer did with the socket queue, in a small shared file beside the spool
/// (`ingest.journal`), so the worker that follows a crashed one can count what may repeat.
///
/// With peeking (``DHCPKafkaSocket/UnixDatagramServer/enablePeeking()``) a datagram leaves the
/// socket queue only after the commit that holds it. A crash between that commit and the consume
/// leaves committed datagrams queued, and the successor reads and commits them again. Before each
/// commit the committer writes here how many datagrams it holds and what the spool's `received`
/// counter will be once it landed; after each consume, how many it removed. Stores into a shared
/// mapping survive the process (SIGKILL, a crash): they are in the page cache. After an OS crash
/// the socket queue is gone anyway, so nothing here needs to reach the disk (no fsync).
///
/// The successor compares: if the spool's `received` counter equals the journal's, the commit
/// landed, and up to `datagrams - consumed` of the datagrams at the head of the queue were committed
/// already. They are counted (`possibly_repeated`) and logged; see docs/architecture.md.
final class IngestJournal: @unchecked Sendable {
    /// The file name in the spool directory.
    static let fileName = "ingest.journal"
    private static let magic: UInt64 = 0x444B_4A52_4E4C_0001  // "DKJRNL" v1
    private static let size = 4096

    private let base: UnsafeMutablePointer<UInt64>

    /// The state a crashed predecessor left, read before this worker writes anything.
    struct Entry: Equatable {
        /// The spool's `received` counter once the last commit landed.
        var receivedAfter: UInt64
        /// Datagrams (valid and rejected) that commit covered.
        var datagrams: UInt64
        /// How many of them were removed from the queue since.
        var consumed: UInt64
        /// The socket's inode (`fstat` on any descriptor of it): the same socket, whoever holds it.
        var socket: UInt64
    }

    /// Opens (creating) the journal in `directory`; `nil` when it cannot (the worker then counts
    /// nothing as possibly repeated, and says so).
    init?(directory: String) {
        let fd = open(directory + "/" + Self.fileName, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard ftruncate(fd, off_t(Self.size)) == 0,
            let mapping = mmap(nil, Self.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapping != MAP_FAILED
        else { return nil }
        base = mapping.bindMemory(to: UInt64.self, capacity: Self.size / 8)
    }

    deinit { munmap(base, Self.size) }

    /// What the previous worker left, or `nil` when the file is new or of another format.
    var previous: Entry? {
        guard base[0] == Self.magic else { return nil }
        return Entry(receivedAfter: base[1], datagrams: base[2], consumed: base[3], socket: base[4])
    }

    /// Before a commit of `datagrams` datagrams after which the spool's `received` counter is `receivedAfter`.
    func committing(datagrams: UInt64, receivedAfter: UInt64, socket: UInt64) {
        base[3] = 0
        base[4] = socket
        base[2] = datagrams
        base[1] = receivedAfter
        base[0] = Self.magic
    }

    /// After a consume: `consumed` of the committed datagrams left the queue so far.
    func consumed(_ consumed: UInt64) { base[3] = consumed }

    /// How many datagrams at the head of the queue a predecessor committed without consuming, given
    /// the spool's `received` counter now and the socket read now (a new socket has a new queue).
    /// At most the datagrams of the last commit; a consume cut short by the crash may count up to
    /// one system call's worth too many (an upper bound, never an undercount).
    static func possiblyRepeated(_ entry: Entry?, receivedNow: UInt64, socket: UInt64) -> UInt64 {
        guard let entry, entry.socket == socket, entry.receivedAfter == receivedNow, entry.consumed < entry.datagrams
        else { return 0 }
        return entry.datagrams - entry.consumed
    }
}
