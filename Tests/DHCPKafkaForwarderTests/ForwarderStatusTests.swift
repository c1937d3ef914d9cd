import DHCPKafkaTestSupport
import Foundation
import Testing

@testable import DHCPKafkaForwarder

/// `forwarder.status`: one Codable type written by the forwarder and read by `spool stats` and the
/// daemon's metrics; the file on disk is untrusted (another version wrote it, or anything did).
struct ForwarderStatusTests {
    private func write(_ text: String, in directory: TemporaryDirectory) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory.appending(ForwarderStatus.fileName)))
    }

    @Test func whatTheForwarderWritesReadsBackEqual() throws {
        let directory = try TemporaryDirectory(prefix: "forwarder-status")
        let counters = ForwarderCounters()
        counters.setDeduplicationState("done")
        ForwarderStatus.write(counters, spoolPath: directory.path)
        let (status, running) = try #require(ForwarderStatus.read(spoolPath: directory.path))
        #expect(status == ForwarderStatus(counters).with(updatedAt: status.updatedAt))
        #expect(status.pid == getpid() && running, "this process wrote it and is alive")
        #expect(status.deduplication == "done")
        // The --json order is the file's documented order.
        #expect(status.jsonMembers.map(\.0) == ForwarderStatus.CodingKeys.allCases.map(\.stringValue))
    }

    @Test func aFileOfAnEarlierVersionReadsWithDefaults() throws {
        let directory = try TemporaryDirectory(prefix: "forwarder-status")
        try write(#"{"pid": 0, "updated_at": 12.5, "broker_state": "up", "in_flight": 3}"#, in: directory)
        let (status, running) = try #require(ForwarderStatus.read(spoolPath: directory.path))
        #expect(!running, "pid 0 names no process")
        #expect(status.updatedAt == 12.5 && status.brokerState == "up" && status.inFlight == 3)
        #expect(status.forwarded == 0 && status.deduplication.isEmpty && status.deliveryLatencyP99Ms == 0)
    }

    @Test(arguments: [
        "", "not json", "[]", #"{"updated_at": 1}"#, #"{"pid": "1", "updated_at": 1}"#,
        #"{"pid": 1, "updated_at": 1, "in_flight": -1e400}"#, #"{"pid": 99999999999, "updated_at": 1}"#,
    ])
    func aDamagedFileIsNoStatus(_ text: String) throws {
        let directory = try TemporaryDirectory(prefix: "forwarder-status")
        try write(text, in: directory)
        #expect(ForwarderStatus.read(spoolPath: directory.path) == nil, "\(text)")
    }

    @Test func anOversizedFileIsReadOnlyToItsBound() throws {
        let directory = try TemporaryDirectory(prefix: "forwarder-status")
        try write(#"{"pid": 1, "updated_at": 1, "broker_state": ""# + String(repeating: "x", count: 1 << 20) + #""}"#, in: directory)
        #expect(ForwarderStatus.read(spoolPath: directory.path) == nil)
    }

    @Test func noFileIsNoStatus() throws {
        let directory = try TemporaryDirectory(prefix: "forwarder-status")
        #expect(ForwarderStatus.read(spoolPath: directory.path) == nil)
    }
}

extension ForwarderStatus {
    fileprivate func with(updatedAt: Double) -> ForwarderStatus {
        var copy = self
        copy.updatedAt = updatedAt
        return copy
    }
}
