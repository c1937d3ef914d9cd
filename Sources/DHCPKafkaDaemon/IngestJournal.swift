#if canImport(Glibc)
import Glibc
#endif

/// What the committer did with the socket queue, in a small shared file beside the spool
/// (`ingest.journal`), so the worker that follows a crashed one skips what was committed already.
///
/// With peeking (``DHCPKafkaSocket/UnixDatagramServer/enablePeeking()``) a datagram leaves the
/// socket queue only after the commit that holds it. A crash between that commit and the consume
/// leaves committed datagrams queued. Before each commit the committer writes here the digest of
/// every datagram the commit covers, what the spool's `received` counter will be once it landed,
/// and the socket's inode; after each consume, how many it removed. Stores into a shared mapping
/// survive the process (SIGKILL, a crash): they are in the page cache. After an OS crash the
/// socket queue is gone anyway, so nothing here needs to reach the disk (no fsync).
///
/// The successor on the same socket whose spool shows the commit landed compares the head of the
/// queue with the digests and removes the datagrams it finds there without storing them again
/// (``IngestRecovery``). Where it cannot tell (no digests: a commit of more datagrams than the
/// file holds), it counts them as `possibly_repeated` instead.
final class IngestJournal: @unchecked Sendable {
    /// The file name in the spool directory.
    static let fileName = "ingest.journal"
    private static let magic: UInt64 = 0x444B_4A52_4E4C_0002  // "DKJRNL" v2
    private static let headerWords = 8
    private static let size = 128 << 10
    /// The most datagrams one commit can list digests for.
    static let digestCapacity = size / 8 - headerWords

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
        /// The digests of the commit's datagrams in queue order, when they fitted.
        var digests: [UInt64]?
    }

    /// Opens (creating) the journal in `directory`; `nil` when it cannot (the worker then counts
    /// instead of skipping, and says so).
    init?(directory: String) {
        let fd = open(directory + "/" + Self.fileName, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // Reserve the blocks: a store into a sparse mapping on a full file system (or tmpfs) would
        // end the process with SIGBUS. Without room, the worker runs without a journal.
        guard posix_fallocate(fd, 0, off_t(Self.size)) == 0,
            let mapping = mmap(nil, Self.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapping != MAP_FAILED
        else { return nil }
        base = mapping.bindMemory(to: UInt64.self, capacity: Self.size / 8)
    }

    deinit { munmap(base, Self.size) }

    /// What the previous worker left, or `nil` when the file is new or of another format.
    var previous: Entry? {
        guard base[0] == Self.magic else { return nil }
        let count = Int(clamping: base[2])
        let digests = base[7] == 1 && count <= Self.digestCapacity
            ? Array(UnsafeBufferPointer(start: base + Self.headerWords, count: count)) : nil
        return Entry(receivedAfter: base[1], datagrams: base[2], consumed: base[3], socket: base[4], digests: digests)
    }

    /// Before a commit of the datagrams with `digests`, after which the spool's `received` counter is `receivedAfter`.
    func committing(digests: [UInt64], receivedAfter: UInt64, socket: UInt64) {
        // Invalid while it changes: a crash in between leaves no entry (the commit did not happen yet).
        base[0] = 0
        base[3] = 0
        base[4] = socket
        let fits = digests.count <= Self.digestCapacity
        if fits, !digests.isEmpty {
            digests.withUnsafeBufferPointer { buffer in
                if let start = buffer.baseAddress { (base + Self.headerWords).update(from: start, count: buffer.count) }
            }
        }
        base[7] = fits ? 1 : 0
        base[2] = UInt64(digests.count)
        base[1] = receivedAfter
        base[0] = Self.magic
    }

    /// After a consume: `consumed` of the committed datagrams left the queue so far.
    func consumed(_ consumed: UInt64) { base[3] = consumed }

    /// Ingest-worker restarts of supervisor `parent` already added to the spool's counter.
    func restartsPersisted(parent: Int32) -> UInt64 { base[6] == UInt64(UInt32(bitPattern: parent)) ? base[5] : 0 }

    /// Notes that the spool's counter now holds `count` restarts of supervisor `parent`.
    func persistRestarts(_ count: UInt64, parent: Int32) {
        base[5] = count
        base[6] = UInt64(UInt32(bitPattern: parent))
    }

    /// Whether the predecessor's last commit landed with datagrams still queued on this socket.
    static func unconsumed(_ entry: Entry?, receivedNow: UInt64, socket: UInt64) -> Entry? {
        guard let entry, entry.socket == socket, entry.receivedAfter == receivedNow, entry.consumed < entry.datagrams
        else { return nil }
        return entry
    }
}
