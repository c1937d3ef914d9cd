import Foundation
import DHCPKafkaSink
import DHCPKafkaTestSupport
import Testing

@Suite("Kafka producer failure handling")
struct FailureTests {
    @Test("while the broker is down nothing is reported delivered; after it is back everything is")
    func brokerDown() throws {
        let fixture = try SinkFixture()
        defer { fixture.close() }
        for i in 0..<10 { #expect(fixture.producer.produce(value: [UInt8(i)], token: UInt64(i)) == .accepted) }
        #expect(fixture.reports(count: 10, within: 60).filter { $0.isDelivered }.count == 10)
        #expect(fixture.producer.brokerState == .up)

        try fixture.cluster.takeBrokerDown(1)
        for i in 10..<30 { #expect(fixture.producer.produce(value: [UInt8(i)], token: UInt64(i)) == .accepted) }
        // Within message.timeout.ms (30 s here) librdkafka retries by itself: a record is neither
        // delivered nor failed while the broker is down, so no report at all may arrive.
        let whileDown = fixture.reports(during: 2)
        #expect(whileDown.isEmpty, "reports while the broker is down: \(whileDown)")
        let isDown = { if case .down = fixture.producer.brokerState { true } else { false } }()
        try #require(isDown, "broker state should be down, is \(fixture.producer.brokerState)")
        #expect(fixture.producer.inFlight == 20)

        try fixture.cluster.setBrokerUp(1)
        let afterUp = fixture.reports(count: 20, within: 120)
        #expect(afterUp.count == 20 && afterUp.allSatisfy { $0.isDelivered })
        #expect(Set(afterUp.map(\.token)) == Set((10..<30).map { UInt64($0) }))
        #expect(fixture.producer.brokerState == .up)
        let states = fixture.recorder.stateHistory
        #expect(states.first == .up && states.last == .up)
        #expect(states.contains { if case .down = $0 { true } else { false } })
        #expect(fixture.producer.fatalError() == nil)
    }

    @Test(
        "retriable Produce errors are retried by librdkafka and each record is written exactly once",
        arguments: [
            [KafkaErrorCode.notLeaderForPartition, .requestTimedOut],
            [.notEnoughReplicas, .notEnoughReplicasAfterAppend, .leaderNotAvailable],
        ])
    func retriableErrors(errors: [KafkaErrorCode]) throws {
        let fixture = try SinkFixture()
        defer { fixture.close() }
        fixture.cluster.pushRequestErrors(apiKey: MockCluster.produceAPIKey, errors: errors)
        for i in 0..<5 { #expect(fixture.producer.produce(value: [UInt8(i)], token: UInt64(i)) == .accepted) }
        let reports = fixture.reports(count: 5, within: 60)
        #expect(reports.count == 5)
        #expect(reports.allSatisfy { $0.isDelivered })
        let records = try fixture.consume(count: 5, within: 60, settle: 0.5)
        #expect(records.map(\.value) == (0..<5).map { [UInt8($0)] })
        #expect(fixture.producer.fatalError() == nil)
    }

    @Test(
        "a permanent Produce error fails the record with a permanent class; the next record is delivered",
        arguments: [
            (KafkaErrorCode.msgSizeTooLarge, KafkaFailureClass.recordRejected),
            (.invalidRecord, .recordRejected),
            (.topicAuthorizationFailed, .destinationRejected),
        ])
    func permanentError(error: KafkaErrorCode, expected: KafkaFailureClass) throws {
        let fixture = try SinkFixture()
        defer { fixture.close() }
        // Connect and deliver one record first, so the injected error hits a Produce request.
        #expect(fixture.producer.produce(value: [0], token: 0) == .accepted)
        #expect(fixture.reports(count: 1, within: 60).first?.isDelivered == true)

        fixture.cluster.pushRequestErrors(apiKey: MockCluster.produceAPIKey, errors: [error])
        #expect(fixture.producer.produce(value: [1], token: 1) == .accepted)
        let failed = fixture.reports(count: 1, within: 60)
        try #require(failed.count == 1)
        #expect(failed[0].token == 1)
        #expect(failed[0].error == error)
        #expect(failed[0].failureClass == expected)
        #expect(failed[0].status == .notPersisted)

        // librdkafka 2.0.2 remembers a topic-level error from a Produce response on the topic and
        // refuses further records at produce time until its next metadata refresh.
        let outcome = fixture.producer.produce(value: [2], token: 2)
        if expected == .destinationRejected, case .failed(let refusal) = outcome {
            #expect(refusal.code == error)
            #expect(refusal.failureClass == expected)
        } else {
            #expect(outcome == .accepted)
            let next = fixture.reports(count: 1, within: 60)
            #expect(next.map(\.token) == [2])
            #expect(next.first?.isDelivered == true)
        }
        #expect(fixture.producer.fatalError() == nil)
    }
}

@Suite("Kafka producer fatal errors")
struct FatalErrorTests {
    @Test("after a fatal error, fatalError() reports it, queued records fail as fatal and produce refuses")
    func fatal() throws {
        let fixture = try SinkFixture()
        defer { fixture.close() }
        #expect(fixture.producer.fatalError() == nil)
        try fixture.cluster.takeBrokerDown(1)
        for i in 0..<3 { #expect(fixture.producer.produce(value: [UInt8(i)], token: UInt64(i)) == .accepted) }
        fixture.producer.raiseFatalErrorForTesting(.outOfOrderSequenceNumber, reason: "test")
        let fatal = try #require(fixture.producer.fatalError())
        #expect(fatal.code == .outOfOrderSequenceNumber)
        #expect(fatal.failureClass == .fatal)
        let reports = fixture.reports(count: 3, within: 60)
        #expect(reports.count == 3)
        #expect(reports.allSatisfy { $0.failureClass == .fatal && !$0.isDelivered })
        guard case .failed(let error) = fixture.producer.produce(value: [9], token: 9) else {
            Issue.record("produce after a fatal error should fail")
            return
        }
        #expect(error.failureClass == .fatal)
    }
}

@Suite("Kafka producer message timeout")
struct MessageTimeoutTests {
    @Test("records that cannot be sent within message.timeout.ms fail as retriable, not persisted")
    func timeout() throws {
        let fixture = try SinkFixture(messageTimeoutMs: 1000)
        defer { fixture.close() }
        try fixture.cluster.takeBrokerDown(1)
        for i in 0..<3 { #expect(fixture.producer.produce(value: [UInt8(i)], token: UInt64(i)) == .accepted) }
        let reports = fixture.reports(count: 3, within: 60)
        #expect(reports.count == 3)
        for report in reports {
            #expect(report.error == .messageTimedOut)
            #expect(report.failureClass == .retriable)
            #expect(report.status == .notPersisted)
        }
        #expect(fixture.producer.inFlight == 0)
        #expect(fixture.producer.fatalError() == nil)

        // The forwarder's answer: produce them again once the broker is back, and again for as long as
        // they time out (reconnecting can take longer than this test's 1 s message timeout).
        try fixture.cluster.setBrokerUp(1)
        var delivered = Set<UInt64>()
        let deadline = Date().addingTimeInterval(120)
        while delivered.count < 3 && Date() < deadline {
            let pending = (0..<3).map(UInt64.init).filter { !delivered.contains($0) }
            for token in pending { #expect(fixture.producer.produce(value: [UInt8(token)], token: token) == .accepted) }
            for report in fixture.reports(count: pending.count, within: 60) {
                if report.isDelivered { delivered.insert(report.token) } else { #expect(report.error == .messageTimedOut) }
            }
        }
        #expect(delivered == [0, 1, 2])
    }
}
