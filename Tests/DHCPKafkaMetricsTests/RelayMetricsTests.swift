import DHCPKafkaMetrics
import Testing

/// The snapshot-to-Prometheus mapping, rendered in-process.
@Suite struct RelayMetricsTests {
    private func values(_ metrics: RelayMetrics) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }

    /// Totals become counters that follow the snapshot's totals; gauges take the latest value.
    @Test func countersFollowTotalsAndGaugesTheLatestValue() {
        let metrics = RelayMetrics()
        var snapshot = RelaySnapshot()
        snapshot.totals.received = 10
        snapshot.totals.rejectedByReason = ["truncated": 2]
        snapshot.storedFrames = 7
        snapshot.brokerState = "down"
        snapshot.deliveryLatencyP99Seconds = 4_800  // 80 min: no clamping in the gauge
        metrics.update(snapshot)
        snapshot.totals.received = 25
        snapshot.totals.rejectedByReason = ["truncated": 3, "oversize": 1]
        snapshot.storedFrames = 3
        snapshot.brokerState = "up"
        metrics.update(snapshot)
        let rendered = values(metrics)
        #expect(rendered["dhcpkafka_received_frames_total"] == 25)
        #expect(rendered[#"dhcpkafka_rejected_frames_total{reason="truncated"}"#] == 3)
        #expect(rendered[#"dhcpkafka_rejected_frames_total{reason="oversize"}"#] == 1)
        #expect(rendered["dhcpkafka_spool_stored_frames"] == 3)
        #expect(rendered[#"dhcpkafka_broker_state{state="up"}"#] == 1)
        #expect(rendered[#"dhcpkafka_broker_state{state="down"}"#] == 0)
        #expect(rendered["dhcpkafka_forwarder_delivery_latency_p99_seconds"] == 4_800)
    }

    /// A total that went down (the spool was recreated under the daemon) never makes a counter go
    /// down: the counter grows by the new total.
    @Test func aTotalThatWentDownStartsOver() {
        let metrics = RelayMetrics()
        var snapshot = RelaySnapshot()
        snapshot.totals.accepted = 100
        metrics.update(snapshot)
        snapshot.totals.accepted = 5
        metrics.update(snapshot)
        #expect(values(metrics)["dhcpkafka_accepted_frames_total"] == 105)
    }

    /// The endpoint's own counters appear with every reason, zero until something happens.
    @Test func endpointCountersAreExposed() {
        let metrics = RelayMetrics()
        metrics.update(endpoint: MetricsEndpointCounters())
        let rendered = values(metrics)
        for reason in ["evicted", "timeout", "busy"] {
            #expect(rendered[#"dhcpkafka_metrics_connections_dropped_total{reason="\#(reason)"}"#] == 0)
        }
        #expect(rendered["dhcpkafka_metrics_accept_errors_total"] == 0)
    }
}
