import DHCPKafkaSink
import Testing

/// A broken idempotence state is reported as ``KafkaFailureClass/fatal``, so the forwarder makes
/// a new producer instead of retrying with one the broker refuses for ever.
@Suite("Kafka producer fenced")
struct FencedProducerTests {
    @Test(
        "a Produce refused for the producer's identity fails the record as fatal",
        arguments: [KafkaErrorCode.producerFenced, .invalidProducerEpoch])
    func fencedIsFatal(error: KafkaErrorCode) throws {
        let fixture = try SinkFixture()
        defer { fixture.close() }
        // Connect and deliver one record first, so the injected error hits a Produce request.
        #expect(fixture.producer.produce(value: [0], token: 0) == .accepted)
        #expect(fixture.reports(count: 1, within: 30).first?.isDelivered == true)
        fixture.cluster.pushRequestErrors(apiKey: MockCluster.produceAPIKey, errors: [error])
        #expect(fixture.producer.produce(value: [1], token: 1) == .accepted)
        let failed = fixture.reports(count: 1, within: 30)
        try #require(failed.count == 1)
        #expect(failed[0].error == error)
        #expect(failed[0].failureClass == .fatal)
    }
}
