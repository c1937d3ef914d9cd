import DHCPKafkaSocket
import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPKafkaWriter
import Foundation
import Synchronization
import Testing

/// The writer against a real Unix datagram socket: what arrives, and what happens when nobody
/// receives, when the receiver stalls, and when it comes back.
@Suite struct WriterTests {
    private let solicit = hexBytes("01 5a0101 0001000a00030001020000c20a01 00080002 0000")
    private let advertise = hexBytes("02 5a0101 0001000a00030001020000c20a01 0002000a0003000102000000ff01")

    private func paths() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory(prefix: "dk-writer")
        return (directory, directory.appending("ingest.sock"))
    }

    private func receiveAll(_ server: UnixDatagramServer, expected: Int) throws -> [[UInt8]] {
        let batch = ReceiveBatch(slots: 256, slotSize: 4096)
        var frames: [[UInt8]] = []
        while frames.count < expected {
            let count = try server.receive(into: batch, timeoutMilliseconds: 2000)
            if count == 0 { break }
            for index in 0..<count { frames.append(batch.bytes(at: index)) }
        }
        return frames
    }

    /// begin/finish sends one frame with both messages and both times, exactly as encoded.
    @Test func sendsOneFramePerTransaction() throws {
        let (directory, path) = try paths()
        defer { directory.remove() }
        let server = try UnixDatagramServer(path: path)
        let writer = try DHCPKafkaWriter(socketPath: path, serverName: "dhcp1.example.net")
        let transaction = writer.begin(incoming: solicit, at: 1_700_000_000.25)
        #expect(writer.finish(transaction, reply: advertise, at: 1_700_000_000.5) == .sent)
        #expect(writer.finish(writer.begin(incoming: solicit, at: 1_700_000_001), reply: nil, at: 1_700_000_001.1) == .sent)
        let frames = try receiveAll(server, expected: 2)
        #expect(frames.count == 2)
        #expect(frames.first == FrameEncoder.encode(
            serverName: "dhcp1.example.net", messageIn: solicit, timestampIn: 1_700_000_000.25, messageOut: advertise,
            timestampOut: 1_700_000_000.5))
        let noReply = try #require(try KafkaMessageRegistry.standard.decodeFrame(frames[1]) as? DHCPKafkaMessage)
        #expect(noReply.messageOut == nil && noReply.messageIn != nil, "a transaction without reply keeps its query")
        #expect(writer.counters == WriterCounters(sent: 2, droppedQueueFull: 0, droppedDaemonDown: 0, droppedTooLarge: 0, droppedOther: 0))
    }

    /// No daemon: dropped and counted; the daemon appears: the writer reconnects by itself; the
    /// daemon restarts (a new socket at the same path): reconnects again.
    @Test func countsDropsWhileTheDaemonIsDownAndReconnects() throws {
        let (directory, path) = try paths()
        defer { directory.remove() }
        let writer = try DHCPKafkaWriter(socketPath: path, serverName: "s", reconnectInterval: .milliseconds(10))
        #expect(writer.finish(writer.begin(incoming: solicit), reply: advertise) == .droppedDaemonDown)
        var server: UnixDatagramServer? = try UnixDatagramServer(path: path)
        Thread.sleep(forTimeInterval: 0.02)
        #expect(writer.finish(writer.begin(incoming: solicit), reply: advertise) == .sent)
        server?.close()
        server = nil
        #expect(writer.finish(writer.begin(incoming: solicit), reply: advertise) == .droppedDaemonDown)
        let restarted = try UnixDatagramServer(path: path)
        Thread.sleep(forTimeInterval: 0.02)
        #expect(writer.finish(writer.begin(incoming: solicit), reply: advertise) == .sent)
        #expect(try receiveAll(restarted, expected: 1).count == 1)
        let counters = writer.counters
        #expect(counters.sent == 2 && counters.droppedDaemonDown == 2 && counters.transactions == 4)
    }

    /// A stalled daemon (nobody reads): the queue fills and every further frame is dropped at once
    /// and counted; no call blocks (checked on another thread, so a blocking send fails the test
    /// instead of hanging it).
    @Test func dropsWithoutBlockingWhileTheDaemonIsStalled() throws {
        let (directory, path) = try paths()
        defer { directory.remove() }
        let server = try UnixDatagramServer(path: path)
        let writer = try DHCPKafkaWriter(socketPath: path, serverName: "s", sendBufferBytes: 64 * 1024)
        let finished = Atomic<Bool>(false)
        let solicit = self.solicit
        let advertise = self.advertise
        Thread.detachNewThread {
            for _ in 0..<20_000 { writer.finish(writer.begin(incoming: solicit), reply: advertise) }
            finished.store(true, ordering: .releasing)
        }
        #expect(waitUntil(timeout: 120) { finished.load(ordering: .acquiring) }, "20,000 sends to a stalled daemon returned")
        let counters = writer.counters
        #expect(counters.droppedQueueFull > 0)
        #expect(counters.transactions == 20_000)
        let received = try receiveAll(server, expected: Int(counters.sent))
        #expect(UInt64(received.count) == counters.sent, "what was counted as sent is exactly what the daemon could read")
    }

    /// Many threads share one writer: every frame arrives whole, none twice, none lost, and the
    /// counters add up. A send the kernel refuses (the daemon's queue is momentarily full under load)
    /// is counted as dropped and retried, so the test can demand all 4,000 frames at the daemon.
    @Test func isSafeToShareBetweenThreads() throws {
        let (directory, path) = try paths()
        defer { directory.remove() }
        // A queue as long as the daemon's (it raises the kernel limit before binding), restored afterwards.
        let server = try HostSettings.withDatagramQueueLength(atLeast: 4096) {
            try UnixDatagramServer(path: path, receiveBufferBytes: 8 << 20)
        }
        let writer = try DHCPKafkaWriter(socketPath: path, serverName: "threads", sendBufferBytes: 8 << 20)
        let threads = 8
        let perThread = 500
        let done = Atomic<Int>(0)
        let unexpected = Atomic<Int>(0)
        for thread in 0..<threads {
            Thread.detachNewThread {
                let deadline = Date().addingTimeInterval(120)
                for index in 0..<perThread {
                    while true {
                        let outcome = writer.write(incoming: nil, receivedAt: Double(thread * perThread + index), reply: nil, sentAt: 0)
                        if outcome == .sent { break }
                        if outcome != .droppedQueueFull || Date() > deadline {
                            unexpected.add(1, ordering: .relaxed)
                            break
                        }
                        usleep(200)
                    }
                }
                done.add(1, ordering: .releasing)
            }
        }
        var frames: [[UInt8]] = []
        let batch = ReceiveBatch(slots: 256, slotSize: 512)
        while done.load(ordering: .acquiring) < threads || frames.count < Int(writer.counters.sent) {
            let count = try server.receive(into: batch, timeoutMilliseconds: 200)
            for index in 0..<count { frames.append(batch.bytes(at: index)) }
            if count == 0, done.load(ordering: .acquiring) == threads { break }
        }
        let counters = writer.counters
        #expect(unexpected.load(ordering: .relaxed) == 0, "every write was sent or refused for a full queue: \(counters)")
        #expect(counters.sent == UInt64(threads * perThread), "\(counters)")
        #expect(counters.transactions == counters.sent + counters.droppedQueueFull, "\(counters)")
        #expect(frames.count == threads * perThread, "every frame sent reached the daemon")
        let stamps = try frames.map { try #require(try KafkaMessageRegistry.standard.decodeFrame($0) as? DHCPKafkaMessage).timestampIn }
        #expect(Set(stamps) == Set((0..<threads * perThread).map(Double.init)), "each frame exactly once, none mixed with another")
        #expect(Set(stamps).count == frames.count, "no frame arrived twice")
    }

    /// Bad input is refused with an explanation (server name) or dropped and counted (a message too
    /// long for the format), never a crash.
    @Test func refusesWhatTheFormatCannotCarry() throws {
        let tooLong = #expect(throws: WriterError.self) {
            try DHCPKafkaWriter(socketPath: "/tmp/x.sock", serverName: String(repeating: "n", count: 256))
        }
        #expect(tooLong?.code == .serverNameTooLong)
        #expect(tooLong?.message.contains("256 bytes") == true, "says how long the name is")
        let noPath = #expect(throws: WriterError.self) { try DHCPKafkaWriter(socketPath: "", serverName: "s") }
        #expect(noPath?.code == .socketPathInvalid)
        #expect(noPath?.description.contains("choose a shorter path") == true, "says what to do")
        let writer = try DHCPKafkaWriter(socketPath: "/nonexistent/dhcpkafka.sock", serverName: "s")
        let huge = [UInt8](repeating: 0, count: 70_000)
        #expect(writer.finish(writer.begin(incoming: huge), reply: nil) == .droppedTooLarge)
        #expect(writer.counters.droppedTooLarge == 1)
    }
}
