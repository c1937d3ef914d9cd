import DHCPKafkaSink
import DHCPKafkaTestSupport
import DHCPv6
import Foundation
import Hummingbird
import JSONValue
import LookingGlassCollector
import LookingGlassStore
import LookingGlassWeb
import Testing

/// Records exactly as the original DHCPKit + dhcpkit-kafka publish them (encoded by the Python
/// original in the project's venv, produced with no key and no headers), through the collector and
/// the mock cluster, shown by the API and the pages.
@Suite(.serialized, .ownThreads) struct OriginalProducerTests {
    static let hostileInterface = "\"><img src=x onerror=alert(1)>"

    static func oracle(count: Int) throws -> [JSONValue] {
        let result = try runProcess(
            TestPaths.python,
            [TestPaths.interopScripts.appendingPathComponent("original_transactions.py").path, String(count), hostileInterface],
            currentDirectory: TestPaths.interopScripts, timeout: 300)
        guard result.status == 0 else { throw SubprocessError(description: "oracle failed: \(result.stderrText)") }
        return try result.stdoutText.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }

    @Test func originalRecordsAreStoredOnceAndShownWithTheRealRelayAsLocation() async throws {
        let frames = try Self.oracle(count: 20)
        #expect(frames.count == 20)
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 2)
        try await TemporaryDirectory.with(prefix: "lg-original") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            let records = frames.map { (value: hexBytes($0["hex"]?.stringValue ?? ""), headers: [(String, [UInt8])]()) }
            // Published twice, as after a producer retry: stored once, by content.
            try CollectorTests.produce(cluster, records + records)
            let counters = try await CollectorTests.collect(cluster, store) { $0.records >= 40 }
            #expect(counters.records == 40)
            #expect(counters.duplicates == 20)
            #expect(try store.statistics().transactions == 20)
            let first = frames[0]
            try await LiveServer.run(WebTests.app(store)) { client in
                let duid = first["duid"]?.stringValue ?? ""
                try await client.execute(uri: "/api/transactions?duid=\(duid)", method: .get) { response in
                    let list = try JSONValue.parse(WebTests.body(response))["transactions"]?.arrayValue ?? []
                    #expect(list.count == 1)
                    #expect(list.first?["server_name"]?.stringValue == "original-dhcpkit")
                    #expect(list.first?["request_type"]?.stringValue == "request")
                    #expect(list.first?["response_type"]?.stringValue == "reply")
                    // The real relay's interface-id, not DHCPKit's "eth0" wrapper.
                    #expect(list.first?["interface_id"]?.stringValue == first["interface_id"]?.stringValue)
                    #expect(list.first?["remote_id"]?.stringValue == first["remote_id"]?.stringValue)
                    #expect(list.first?["addresses"]?.arrayValue == [first["address"] ?? .null])
                }
                let address = first["address"]?.stringValue ?? ""
                try await client.execute(uri: "/api/leases?address=\(address)&at=1795555100", method: .get) { response in
                    let leases = try JSONValue.parse(WebTests.body(response))["leases"]?.arrayValue ?? []
                    #expect(leases.map { $0["client_duid"]?.stringValue } == [duid])
                }
                try await client.execute(uri: "/search?server=original-dhcpkit", method: .get) { response in
                    let page = WebTests.body(response)
                    #expect(!page.contains("<img"))
                    #expect(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
                    #expect(!page.contains(">eth0<"))
                }
            }
        }
    }
}
