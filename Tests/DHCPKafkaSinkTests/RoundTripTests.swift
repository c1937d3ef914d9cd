import DHCPKafkaSink
import Testing

@Suite("Kafka producer against the mock cluster")
struct RoundTripTests {
    @Test("1000 records with key, headers and timestamp are reported once each and read back in order")
    func roundTrip() throws {
        let fixture = try SinkFixture()
        defer { fixture.close() }
        let base = nowMs() - 60_000
        for i in 0..<1000 {
            let value = Array("frame-\(i)-".utf8) + [UInt8](repeating: UInt8(i % 251), count: 100)
            let outcome = fixture.producer.produce(
                value: value, key: [UInt8(i & 0xFF), UInt8(i >> 8)],
                headers: [("dhcpkafka-seq", Array(String(i).utf8)), ("empty", [])],
                timestamp: base + Int64(i), token: UInt64(10_000 + i))
            #expect(outcome == .accepted)
        }
        let reports = fixture.reports(count: 1000, within: 60)
        #expect(reports.count == 1000)
        #expect(reports.allSatisfy { $0.isDelivered })
        #expect(Set(reports.map(\.token)) == Set((0..<1000).map { UInt64(10_000 + $0) }))
        #expect(reports.allSatisfy { $0.failureClass == nil && $0.partition == 0 })
        #expect(fixture.producer.brokerState == .up)
        #expect(fixture.producer.inFlight == 0)

        let records = try fixture.consume(count: 1000, within: 60)
        try #require(records.count == 1000)
        for (i, record) in records.enumerated() {
            #expect(record.offset == Int64(i))
            #expect(record.value == Array("frame-\(i)-".utf8) + [UInt8](repeating: UInt8(i % 251), count: 100))
            #expect(record.key == [UInt8(i & 0xFF), UInt8(i >> 8)])
            #expect(record.timestamp == base + Int64(i))
            #expect(record.headers.map(\.0) == ["dhcpkafka-seq", "empty"])
            #expect(record.headers.first?.1 == Array(String(i).utf8))
            #expect(record.headers.last?.1 == [])
        }
        let offsets = Dictionary(uniqueKeysWithValues: reports.map { ($0.token, $0.offset) })
        #expect((0..<1000).allSatisfy { offsets[UInt64(10_000 + $0)] == Int64($0) })
    }

    @Test("a record larger than message.max.bytes is refused at produce time as recordRejected")
    func oversize() throws {
        let fixture = try SinkFixture(properties: [("message.max.bytes", "10000")])
        defer { fixture.close() }
        let outcome = fixture.producer.produce(value: [UInt8](repeating: 1, count: 20_000), token: 1)
        guard case .failed(let error) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(error.code == .msgSizeTooLarge)
        #expect(error.failureClass == .recordRejected)
        #expect(error.failureClass.isPermanent)
        #expect(fixture.producer.produce(value: [UInt8](repeating: 1, count: 100), token: 2) == .accepted)
        #expect(fixture.reports(count: 1, within: 60).map(\.token) == [2])
    }

    @Test("records still arrive with a 500 ms broker round-trip time")
    func highRTT() throws {
        let fixture = try SinkFixture()
        defer { fixture.close() }
        try fixture.cluster.setRTT(broker: -1, ms: 500)
        for i in 0..<5 { #expect(fixture.producer.produce(value: [UInt8(i)], token: UInt64(i)) == .accepted) }
        let reports = fixture.reports(count: 5, within: 60)
        #expect(reports.count == 5)
        #expect(reports.allSatisfy { $0.isDelivered })
    }
}
