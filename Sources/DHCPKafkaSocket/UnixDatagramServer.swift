import CSystemShims
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's end of the ingest socket: a bound `AF_UNIX`/`SOCK_DGRAM` socket.
///
/// One datagram is one frame. Writers need no connection state and no handshake per frame, and a
/// full receive queue makes their non-blocking `send` fail at once (they count a drop) instead of
/// stalling a DHCP worker. See docs/architecture.md for why not `SOCK_SEQPACKET`.
public final class UnixDatagramServer {
    /// The socket file's path.
    public let path: String
    /// The socket; this server is its one owner and closes it once (``close()`` or `deinit`).
    private var socket: FileDescriptor?
    /// The raw descriptor for C calls; -1 once closed.
    private var descriptor: Int32 { socket?.rawValue ?? -1 }
    /// The socket file this server bound (device and inode), to notice when the path is deleted or
    /// replaced while it runs, and never to unlink someone else's file.
    private var boundFile: FileIdentity?
    private var receiving = true
    /// Whether this server bound the path itself (so it may unlink it and shut the socket), or
    /// adopted a socket that a supervising parent or systemd holds and outlives this process.
    public let ownsPath: Bool
    /// Whether ``receive(into:timeoutMilliseconds:)`` peeks (`MSG_PEEK` with `SO_PEEK_OFF`) and
    /// ``consume(_:)`` removes datagrams only once they are committed. See ``enablePeeking()``.
    public private(set) var isPeeking = false
    /// Serialises peeks (and their offset repair) with consumes, which move the peek offset too.
    private let socketLock = Mutex<Void>(())
    /// Receive slots for ``consume(_:)``: one byte each, the data is discarded.
    private lazy var consumeBatch = ReceiveBatch(slots: 256, slotSize: 1)

    /// Binds a socket at `path`, replacing a stale socket file left by a dead daemon.
    ///
    /// - Parameters:
    ///   - mode: file mode of the socket file (writers need write permission on it).
    ///   - group: group id to give the socket file, or `nil` to keep the daemon's.
    ///   - receiveBufferBytes: `SO_RCVBUF`, the kernel queue that absorbs bursts while the daemon commits.
    ///   - passCredentials: attach each sender's pid/uid/gid to its datagrams (`SO_PASSCRED`).
    public init(
        path: String, mode: UInt32 = 0o660, group: UInt32? = nil, receiveBufferBytes: Int? = nil,
        passCredentials: Bool = true
    ) throws(SocketError) {
        self.path = path
        self.ownsPath = true
        try SocketPath.prepare(path)
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw SocketError(.create, path: path, errno: .last, message: "cannot create a Unix datagram socket")
        }
        socket = FileDescriptor(rawValue: fd)
        // Bind under a staging name and rename into place once mode, group and options are set, so no
        // writer ever sees the socket with the umask's mode or the daemon's group.
        let staging = SocketPath.stagingName(for: path)
        do throws(SocketError) {
            unlink(staging)
            try SocketPath.bind(fd, to: staging)
            try configure(
                at: staging, mode: mode, group: group, receiveBufferBytes: receiveBufferBytes,
                passCredentials: passCredentials)
            boundFile = SocketPath.identity(of: staging)
            if staging != path, rename(staging, path) != 0 {
                throw SocketError(.bind, path: path, errno: .last, message: "cannot move the socket into place at \(path)")
            }
        } catch {
            try? socket?.close()
            socket = nil
            unlink(staging)
            throw error
        }
    }

    /// Adopts `descriptor`, an already bound socket that outlives this process (passed by systemd or
    /// by `dhcpkafka run`'s supervising parent; see ``SocketActivation``). It must be an
    /// `AF_UNIX`/`SOCK_DGRAM` socket bound to `path`. The socket file is left alone: this server
    /// never unlinks it, never shuts the socket down, and never checks the path (its owner does).
    public init(
        adopting descriptor: Int32, path: String, receiveBufferBytes: Int? = nil, passCredentials: Bool = true
    ) throws(SocketError) {
        self.path = path
        self.ownsPath = false
        try SocketActivation.validate(descriptor, path: path)
        socket = FileDescriptor(rawValue: descriptor)
        boundFile = nil
        do throws(SocketError) {
            try setOptions(receiveBufferBytes: receiveBufferBytes, passCredentials: passCredentials)
        } catch {
            try? socket?.close()
            socket = nil
            throw error
        }
    }

    /// The descriptor, for passing the socket on to a worker process (the server keeps owning it).
    public var fileDescriptor: Int32 { descriptor }

    /// The socket's inode number: the same for every process that holds this socket, different for
    /// a new socket at the same path (0 when closed).
    public var socketInode: UInt64 {
        var info = stat()
        guard descriptor >= 0, fstat(descriptor, &info) == 0 else { return 0 }
        return UInt64(info.st_ino)
    }

    /// Whether this server checks that its path still names its socket: only when it bound it.
    public var checksPath: Bool { ownsPath }

    /// Turns on peeking (`SO_PEEK_OFF`, Linux ≥ 4.4 for Unix datagram sockets) and starts at the
    /// head of the queue (a predecessor that died leaves its offset behind). From then on
    /// ``receive(into:timeoutMilliseconds:)`` leaves datagrams queued, and ``consume(_:)`` removes
    /// them once they are committed: a crash between the two loses nothing, the successor reads
    /// them again. Returns `false` (and nothing changes) when the kernel does not support it.
    @discardableResult
    public func enablePeeking() -> Bool {
        guard descriptor >= 0 else { return false }
        isPeeking = dk_set_peek_offset(descriptor, 0) == 0
        return isPeeking
    }

    /// Removes the first `count` datagrams of the queue (ones already peeked and committed).
    /// Returns how many it removed; fewer only when the queue holds fewer (someone else read it).
    @discardableResult
    public func consume(_ count: Int) -> Int {
        var left = count
        socketLock.withLock { _ in
            while left > 0 {
                let removed = consumeBatch.receive(fd: descriptor, count: min(left, consumeBatch.capacity))
                guard removed > 0 else { break }
                left -= Int(removed)
            }
        }
        return count - left
    }

    private func configure(
        at file: String, mode: UInt32, group: UInt32?, receiveBufferBytes: Int?, passCredentials: Bool
    ) throws(SocketError) {
        guard chmod(file, mode_t(mode)) == 0 else {
            throw SocketError(.permissions, path: path, errno: .last, message: "cannot set mode of \(path)")
        }
        if let group, chown(file, uid_t.max, gid_t(group)) != 0 {
            throw SocketError(
                .permissions, path: path, errno: .last,
                message: "cannot give \(path) group \(group); the daemon must be root or a member of that group")
        }
        try setOptions(receiveBufferBytes: receiveBufferBytes, passCredentials: passCredentials)
    }

    private func setOptions(receiveBufferBytes: Int?, passCredentials: Bool) throws(SocketError) {
        if passCredentials, dk_enable_passcred(descriptor) != 0 {
            throw SocketError(.option, path: path, errno: .last, message: "cannot enable SO_PASSCRED on \(path)")
        }
        if let receiveBufferBytes {
            var size = Int32(clamping: receiveBufferBytes)
            // SO_RCVBUFFORCE passes net.core.rmem_max when we are privileged; fall back to SO_RCVBUF.
            if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0,
                setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) != 0
            {
                throw SocketError(.option, path: path, errno: .last, message: "cannot set SO_RCVBUF on \(path)")
            }
        }
    }

    /// The kernel's receive buffer size in bytes (as doubled by the kernel for its bookkeeping).
    public var receiveBufferBytes: Int {
        var size: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, &length)
        return Int(size)
    }

    /// Fills `batch` with the datagrams that are waiting, waiting up to `timeoutMilliseconds` for the first.
    ///
    /// - Returns: how many slots were filled; 0 when nothing arrived in time.
    @discardableResult
    public func receive(into batch: ReceiveBatch, timeoutMilliseconds: Int32) throws(SocketError) -> Int {
        batch.count = 0
        var received = receiveNow(into: batch)
        if received < 0, Errno.last == .wouldBlock {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = retryOnInterrupt { poll(&poller, 1, timeoutMilliseconds) }
            guard case .success(let count) = ready, count > 0 else {
                if case .failure(let error) = ready {
                    throw SocketError(.receive, path: path, errno: error, message: "cannot poll \(path)")
                }
                return 0
            }
            received = receiveNow(into: batch)
        }
        guard received >= 0 else {
            let error = Errno.last
            if error == .wouldBlock { return 0 }
            throw SocketError(.receive, path: path, errno: error, message: "cannot receive on \(path)")
        }
        batch.count = Int(received)
        return batch.count
    }

    /// One non-blocking receive (or peek) into `batch`; the count, or -1 with errno.
    private func receiveNow(into batch: ReceiveBatch) -> Int32 {
        guard isPeeking else { return batch.receive(fd: descriptor, wait: false) }
        return socketLock.withLock { _ in
            let received = batch.peek(fd: descriptor)
            guard received > 0 else { return received }
            // A datagram longer than a slot is peeked in part, and the kernel's offset then points
            // into it: the following slots of this peek hold its tail (as long as it takes to read
            // it), then the datagrams after it. Keep the datagrams, drop the tail slots, and if the
            // peek ended inside a tail, move the offset to that datagram's end.
            var kept: [Int] = []
            var tail = 0
            for index in 0..<Int(received) {
                let length = batch.rawLength(at: index)
                if tail > 0 {
                    tail -= min(length, batch.slotSize)
                    continue
                }
                kept.append(index)
                if length > batch.slotSize { tail = length - batch.slotSize }
            }
            if tail > 0 {
                let now = Int(dk_peek_offset(descriptor))
                if now >= 0 { _ = dk_set_peek_offset(descriptor, Int32(clamping: now + tail)) }
            }
            if kept.count < Int(received) { batch.keptSlots = kept }
            return Int32(kept.count)
        }
    }

    /// What the socket path names now, compared with the file this server bound.
    public enum PathState: Equatable, Sendable {
        /// The path still names this server's socket.
        case bound
        /// Nothing is at the path: it was deleted, and no new writer can reach the daemon.
        case missing
        /// Another file is at the path (another socket, a regular file): new writers reach that, not us.
        case replaced
    }

    /// Whether the socket path still names this server's socket (one `lstat`).
    public var pathState: PathState {
        guard let current = SocketPath.identity(of: path) else { return .missing }
        return current == boundFile ? .bound : .replaced
    }

    /// Stops taking datagrams while keeping those already queued readable: removes the socket file
    /// (no new writer connects) and shuts the receive side (`SHUT_RD`), so every later send fails at
    /// once in the writer (EPIPE: it counts a drop) instead of joining a queue nobody reads. Then
    /// ``receive(into:timeoutMilliseconds:)`` drains what was queued before, and returns 0 once empty.
    ///
    /// An adopted socket (``ownsPath`` false) is left as it is: it outlives this process, and what
    /// stays queued is read by the next one.
    public func stopReceiving() throws(SocketError) {
        guard descriptor >= 0, receiving, ownsPath else { return }
        receiving = false
        unlinkIfOurs()
        guard dk_shutdown_receive(descriptor) == 0 else {
            throw SocketError(.receive, path: path, errno: .last, message: "cannot shut down receiving on \(path)")
        }
    }

    /// Closes the socket and removes its file (only if it is still this server's), so writers see
    /// "connection refused" and count drops.
    public func close() {
        guard let socket else { return }
        self.socket = nil
        try? socket.close()
        unlinkIfOurs()
    }

    private func unlinkIfOurs() {
        if ownsPath, let boundFile, SocketPath.identity(of: path) == boundFile { unlink(path) }
        boundFile = nil
    }

    deinit { close() }
}
