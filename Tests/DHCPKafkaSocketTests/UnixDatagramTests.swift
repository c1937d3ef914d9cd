import DHCPKafkaSocket
import DHCPKafkaTestSupport
import Foundation
import Testing

@Suite struct UnixDatagramTests {
    private func socketPath(_ name: String = "ingest.sock") -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dk-sock-\(UUID().uuidString.prefix(8))")
        // The server refuses a missing directory (it never creates one): make it, as systemd's
        // RuntimeDirectory= does.
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    private func cleanup(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    @Test func deliversDatagramsWithCredentialsInOrder() throws {
        let path = socketPath()
        defer { cleanup(path) }
        // The kernel default queue (10 datagrams) is too short for this burst: raise it as the daemon
        // does, while the socket is created (the limit is read then), and restore it afterwards.
        let server = try HostSettings.withDatagramQueueLength(atLeast: 4096) {
            try UnixDatagramServer(path: path, mode: 0o600)
        }
        let client = UnixDatagramClient(path: path)
        for i in 0..<100 { #expect(client.send([UInt8(i), 1, 2, 3]) == .sent) }
        let batch = ReceiveBatch(slots: 64, slotSize: 2048)
        var received: [[UInt8]] = []
        while received.count < 100 {
            let n = try server.receive(into: batch, timeoutMilliseconds: 1000)
            try #require(n > 0, "nothing arrived within 1 s after \(received.count) datagrams")
            for i in 0..<n {
                received.append(batch.bytes(at: i))
                #expect(batch.credentials(at: i) == PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
            }
        }
        #expect(received.map { $0[0] } == (0..<100).map { UInt8($0) })
        #expect(client.counters.sent == 100)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test func reportsTruncatedDatagramsWithTheirRealLength() throws {
        let path = socketPath()
        defer { cleanup(path) }
        let server = try UnixDatagramServer(path: path)
        let client = UnixDatagramClient(path: path)
        #expect(client.send([UInt8](repeating: 7, count: 5000)) == .sent)
        let batch = ReceiveBatch(slots: 4, slotSize: 1024)
        #expect(try server.receive(into: batch, timeoutMilliseconds: 1000) == 1)
        #expect(batch.fullLength(at: 0) == 5000)
        #expect(batch.bytes(at: 0).count == 1024)
    }

    /// Raises the limit (restored afterwards: it is host state shared with everything else).
    @Test func raisesTheKernelDatagramQueueLimit() throws {
        HostSettings.withDatagramQueueLength(atLeast: 0) {
            let outcome = DatagramQueueLength.ensure(atLeast: 4096)
            switch outcome {
            case .sufficient(let value): #expect(value >= 4096)
            case .raised(_, let to): #expect(to >= 4096)
            case .tooLow(_, let reason): Issue.record("tests run as root and must be able to raise it: \(reason)")
            }
            #expect((DatagramQueueLength.current ?? 0) >= 4096)
        }
    }

    @Test func receiveTimesOutWhenIdle() throws {
        let path = socketPath()
        defer { cleanup(path) }
        let server = try UnixDatagramServer(path: path)
        let start = ContinuousClock.now
        #expect(try server.receive(into: ReceiveBatch(slots: 1, slotSize: 64), timeoutMilliseconds: 50) == 0)
        #expect(ContinuousClock.now - start >= .milliseconds(40))
    }

    @Test func countsDropsWhileTheDaemonIsDownAndReconnectsAfterwards() throws {
        let path = socketPath()
        defer { cleanup(path) }
        let client = UnixDatagramClient(path: path, reconnectInterval: .zero)
        #expect(client.send([1]) == .droppedDaemonDown)
        var server: UnixDatagramServer? = try UnixDatagramServer(path: path)
        #expect(client.send([2]) == .sent)
        server?.close()
        server = nil
        #expect(client.send([3]) == .droppedDaemonDown)
        let restarted = try UnixDatagramServer(path: path)
        #expect(client.send([4]) == .sent)
        let batch = ReceiveBatch(slots: 4, slotSize: 64)
        #expect(try restarted.receive(into: batch, timeoutMilliseconds: 1000) == 1)
        #expect(batch.bytes(at: 0) == [4])
        #expect(client.counters.droppedDaemonDown == 2)
    }

    @Test func dropsWithoutBlockingWhenTheQueueIsFull() throws {
        let path = socketPath()
        defer { cleanup(path) }
        let server = try UnixDatagramServer(path: path)
        let client = UnixDatagramClient(path: path)
        var outcomes: [SendOutcome] = []
        let start = ContinuousClock.now
        for _ in 0..<5000 { outcomes.append(client.send([UInt8](repeating: 0, count: 400))) }
        // Nobody receives: the queue fills, later sends fail at once instead of blocking.
        #expect(outcomes.contains(.droppedQueueFull))
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(client.counters.sent + client.counters.dropped == 5000)
        withExtendedLifetime(server) {}
    }

    @Test func replacesAStaleSocketButRefusesALiveOne() throws {
        let path = socketPath()
        defer { cleanup(path) }
        let first = try UnixDatagramServer(path: path)
        #expect(throws: SocketError.self) { try UnixDatagramServer(path: path) }
        // A socket file whose owner died: simulate by binding a raw socket and closing it without unlinking.
        first.close()
        let fd = bindUnixDatagramSocket(at: path)
        try #require(fd >= 0)
        close(fd)
        #expect(FileManager.default.fileExists(atPath: path))
        _ = try UnixDatagramServer(path: path)
    }

    @Test func refusesAPathThatIsNotASocket() throws {
        let path = socketPath()
        defer { cleanup(path) }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        #expect {
            try UnixDatagramServer(path: path)
        } throws: { error in
            (error as? SocketError)?.description.contains("is not a socket") == true
        }
    }

    /// After ``UnixDatagramServer/stopReceiving()`` senders fail at once (no new datagram joins the
    /// queue) while everything queued before is still read; then receive reports an empty socket.
    @Test func stopReceivingDrainsTheQueueAndRefusesNewDatagrams() throws {
        let path = socketPath()
        defer { cleanup(path) }
        _ = DatagramQueueLength.ensure(atLeast: 4096)
        let server = try UnixDatagramServer(path: path, mode: 0o600)
        let client = UnixDatagramClient(path: path)
        for i in 0..<50 { #expect(client.send([UInt8(i), 9]) == .sent) }
        try server.stopReceiving()
        #expect(!FileManager.default.fileExists(atPath: path), "no new writer can connect")
        #expect(server.pathState == .missing)
        #expect(client.send([99, 9]) == .droppedDaemonDown, "a connected writer counts a drop at once")
        let batch = ReceiveBatch(slots: 64, slotSize: 64)
        var received: [UInt8] = []
        while true {
            let n = try server.receive(into: batch, timeoutMilliseconds: 0)
            if n == 0 { break }
            received += (0..<n).map { batch.bytes(at: $0)[0] }
        }
        #expect(received == (0..<50).map { UInt8($0) })
    }

    /// A socket path whose directory does not exist is refused, and the directory is not created.
    @Test func refusesAMissingDirectory() throws {
        let path = socketPath()
        defer { cleanup(path) }
        let nested = (path as NSString).deletingLastPathComponent + "/missing/ingest.sock"
        #expect {
            _ = try UnixDatagramServer(path: nested)
        } throws: { error in
            "\(error)".contains("does not exist")
        }
        #expect(!FileManager.default.fileExists(atPath: (nested as NSString).deletingLastPathComponent))
    }

    /// The server notices its socket file being deleted or replaced, and leaves a replacement alone.
    @Test func noticesTheSocketFileDeletedOrReplaced() throws {
        let path = socketPath()
        defer { cleanup(path) }
        let server = try UnixDatagramServer(path: path, mode: 0o600)
        #expect(server.pathState == .bound)
        #expect(unlink(path) == 0)
        #expect(server.pathState == .missing)
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        #expect(server.pathState == .replaced)
        server.close()
        #expect(FileManager.default.fileExists(atPath: path), "close removes only its own socket file")
    }
}
