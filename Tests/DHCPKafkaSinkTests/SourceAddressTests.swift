import DHCPKafkaSink
import Foundation

#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite("Kafka source address binding")
struct SourceAddressTests {
    @Test("broker connections are bound to 127.0.0.2 and records are delivered")
    func bindsToSourceAddress() throws {
        let fixture = try SinkFixture(sourceAddress: "127.0.0.2")
        defer { fixture.close() }
        #expect(fixture.producer.produce(value: [1, 2, 3], token: 7) == .accepted)
        let reports = fixture.reports(count: 1, within: 60)
        #expect(reports.first?.isDelivered == true)
        let local = fixture.producer.boundLocalAddresses
        #expect(!local.isEmpty)
        #expect(local.allSatisfy { $0.hasPrefix("127.0.0.2:") })

        // Independent check: the kernel's socket table has a connection from 127.0.0.2 to the broker.
        let brokerPort = try #require(fixture.cluster.brokers.first?.split(separator: ":").last.flatMap { Int($0) })
        let table = try #require(readProcFile("/proc/net/tcp"))
        let wanted = String(format: ":%04X", brokerPort)
        let fromSource = table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            // local_address rem_address: 0200007F is 127.0.0.2 in /proc's little-endian hex.
            return fields.count > 2 && fields[1].hasPrefix("0200007F:") && fields[2].hasSuffix(wanted)
        }
        #expect(fromSource, "no 127.0.0.2 -> port \(brokerPort) socket; bound: \(local)")
    }

    @Test("an IPv6 source address selects broker.address.family=v6")
    func ipv6Family() throws {
        let config = KafkaSinkConfiguration(brokers: ["[::1]:9092"], sourceAddress: "::1")
        try config.validate()
        #expect(config.effectiveProperties(masked: true).contains { $0 == ("broker.address.family", "v6") })
        let v4 = KafkaSinkConfiguration(brokers: ["127.0.0.1:9092"], sourceAddress: "127.0.0.2")
        #expect(v4.effectiveProperties(masked: true).contains { $0 == ("broker.address.family", "v4") })
    }
}

/// Reads a /proc file completely (their stat size is 0, so read until end of file).
private func readProcFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}
