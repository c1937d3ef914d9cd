import CSystemShims

/// Who sent a datagram, as the kernel vouches for it (`SCM_CREDENTIALS`).
public struct PeerCredentials: Hashable, Sendable {
    /// The sender's process id.
    public let pid: Int32
    /// The sender's effective user id.
    public let uid: UInt32
    /// The sender's effective group id.
    public let gid: UInt32

    /// Makes credentials (the kernel's come from a received batch; `package` for the package's tests).
    package init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

/// Reusable receive slots for ``UnixDatagramServer/receive(into:timeoutMilliseconds:)``: one `recvmmsg`
/// fills many slots, so the daemon pays one system call per batch, not per frame.
///
/// Memory is allocated once; slots are only touched as far as datagrams fill them.
public final class ReceiveBatch {
    private let handle: OpaquePointer
    /// How many datagrams one receive can return.
    public let capacity: Int
    /// The largest datagram a slot holds; longer ones are reported truncated.
    public let slotSize: Int
    /// How many datagrams the last receive returned.
    public internal(set) var count = 0
    /// After a peek that read past a datagram longer than a slot: the slots that hold datagrams
    /// (the others hold that datagram's tail). `nil`: slot `i` is datagram `i`.
    var keptSlots: [Int]?

    /// The slot of datagram `index`.
    func slot(_ index: Int) -> Int { keptSlots?[index] ?? index }

    /// Allocates `slots` slots of `slotSize` bytes.
    public init(slots: Int, slotSize: Int) {
        precondition(slots > 0 && slotSize > 0, "a receive batch needs at least one non-empty slot")
        guard let handle = dk_receive_batch_create(UInt32(slots), slotSize) else {
            fatalError("out of memory allocating \(slots) receive slots of \(slotSize) bytes")
        }
        self.handle = handle
        self.capacity = slots
        self.slotSize = slotSize
    }

    deinit { dk_receive_batch_destroy(handle) }

    func receive(fd: Int32, wait: Bool) -> Int32 {
        keptSlots = nil
        return dk_receive_batch_receive(handle, fd, wait ? 1 : 0)
    }

    /// Peeks (MSG_PEEK) without waiting; fills ``count``.
    func peek(fd: Int32) -> Int32 {
        keptSlots = nil
        let received = dk_receive_batch_receive_flags(handle, fd, 1, 0)
        count = Int(max(received, 0))
        return received
    }

    /// Receives (removes) up to `count` datagrams without waiting; their bytes are discarded.
    func receive(fd: Int32, count wanted: Int) -> Int32 {
        precondition(wanted <= capacity)
        keptSlots = nil
        return dk_receive_batch_receive_flags(handle, fd, 0, UInt32(wanted))
    }

    /// The kernel's length for slot `index` of the last receive, valid before ``count`` is set.
    func rawLength(at index: Int) -> Int {
        dk_receive_batch_info(handle, UInt32(index)).full_length
    }

    /// The datagram's real length; more than ``slotSize`` means it was cut and must be rejected.
    public func fullLength(at index: Int) -> Int {
        precondition(index < count)
        return dk_receive_batch_info(handle, UInt32(slot(index))).full_length
    }

    /// A copy of the bytes received in slot `index` (at most ``slotSize``).
    public func bytes(at index: Int) -> [UInt8] {
        precondition(index < count)
        let info = dk_receive_batch_info(handle, UInt32(slot(index)))
        guard let base = dk_receive_batch_data(handle, UInt32(slot(index))), info.length > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: info.length))
    }

    /// The bytes received in slot `index` (at most ``slotSize``), without copying them.
    ///
    /// The memory belongs to the batch: it is valid only until the next receive into this batch,
    /// so copy what must be kept before receiving again.
    public func buffer(at index: Int) -> UnsafeBufferPointer<UInt8> {
        precondition(index < count)
        let info = dk_receive_batch_info(handle, UInt32(slot(index)))
        guard let base = dk_receive_batch_data(handle, UInt32(slot(index))), info.length > 0 else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeBufferPointer(start: base, count: info.length)
    }

    /// How many file descriptors senders passed (`SCM_RIGHTS`) with the datagrams of the last
    /// receive. The daemon never uses them: every one was closed as it arrived.
    public var closedDescriptors: Int { Int(dk_receive_batch_passed_descriptors(handle)) }

    /// Whether the datagram in slot `index` came with descriptors or more control data than fits
    /// (`MSG_CTRUNC`); its descriptors are closed already.
    public func carriedDescriptors(at index: Int) -> Bool {
        precondition(index < count)
        return dk_receive_batch_info(handle, UInt32(slot(index))).carried_descriptors != 0
    }

    /// The sender's credentials, when the socket passes them.
    public func credentials(at index: Int) -> PeerCredentials? {
        precondition(index < count)
        let info = dk_receive_batch_info(handle, UInt32(slot(index)))
        guard info.has_credentials != 0 else { return nil }
        return PeerCredentials(pid: info.pid, uid: info.uid, gid: info.gid)
    }
}
