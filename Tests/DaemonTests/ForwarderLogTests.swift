import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// An outage is logged, not narrated.
@Suite(.serialized) struct ForwarderLogTests {
    /// A "broker" that accepts connections and closes them at once (as a broker that is starting,
    /// or a TLS port spoken to in plaintext, does), librdkafka reconnecting every 0.1–0.2 s and
    /// logging a FAIL line and an ERROR event for each attempt, each with a different
    /// "(after Nms in state …)" so librdkafka's own repeat suppression does not catch them, for
    /// several seconds: the log gets the first line of each kind and one state change, not a line
    /// per attempt (the limit is one line per kind per minute, with a count of those suppressed).
    @Test func outageLogsAFewLinesNotOnePerAttempt() throws {
        let closer = try ClosingListener()
        defer { closer.stop() }
        let harness = try DaemonHarness()
        let daemon = try harness.start([
            "--broker", "127.0.0.1:\(closer.port)", "--message-timeout", "2", "--backoff-max", "1",
            "--kafka-property", "reconnect.backoff.ms=100", "--kafka-property", "reconnect.backoff.max.ms=200",
            // TLS to a port that hangs up: every attempt fails the handshake with its own timing.
            "--kafka-property", "security.protocol=ssl"])
        let writer = try harness.writer(name: "w", frames: 10, rate: 100)
        #expect(writer.wait(timeout: 60) == 0)
        // Several attempts of the startup scan (each waits 5 s for metadata) later: an outage of 10 s
        // or more, with the producer made and connecting all along (nothing is produced before the
        // scan found what Kafka holds, docs/forwarder.md).
        #expect(waitUntil(timeout: 120) {
            let state = (try? harness.stats())?["forwarder"]?["deduplication"]?.stringValue ?? ""
            return Int(state.split(separator: "attempt ").dropFirst().first?.prefix { $0.isNumber } ?? "") ?? 0 >= 3
        }, "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
        let lines = daemon.log.split(separator: "\n")
        let librdkafka = lines.filter { $0.contains("librdkafka: ") }
        let unreachable = lines.filter { $0.contains("Kafka brokers unreachable") }
        print("outage: \(lines.count) log lines, \(librdkafka.count) from librdkafka, \(unreachable.count) unreachable")
        #expect(!librdkafka.isEmpty, "the outage is logged at all")
        // Measured: 19 librdkafka lines without the limit, 5 with it.
        #expect(librdkafka.count <= 10, "\(librdkafka.joined(separator: "\n"))")
        #expect(unreachable.count == 1, "\(unreachable.joined(separator: "\n"))")
    }
}

/// A TCP listener on 127.0.0.1 that accepts every connection and closes it at once.
final class ClosingListener: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let thread: Thread

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SubprocessError(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw SubprocessError(description: "bind/listen on 127.0.0.1: errno \(errno)")
        }
        self.fd = fd
        self.port = UInt16(bigEndian: address.sin_port)
        thread = Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client >= 0 {
                    close(client)
                } else if errno != EINTR && errno != ECONNABORTED {
                    close(fd)  // the thread owns the listening socket once started
                    return
                }
            }
        }
        thread.start()
    }

    /// Stops accepting: shutting the socket down wakes the blocked accept, which then fails and
    /// the accepting thread closes the socket.
    func stop() { shutdown(fd, Int32(SHUT_RDWR)) }
}
