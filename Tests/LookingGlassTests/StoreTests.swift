import DHCPKafkaSink
import DHCPKafkaWire
import DHCPv6
import DHCPKafkaTestSupport
import DHCPv6
import Foundation
import LookingGlassCollector
import LookingGlassStore
import Testing

/// Real SQLite files on disk: decoding, deduplication, lease history, retention.
@Suite struct StoreTests {
    static func record(_ frame: DHCPKafkaMessage, partition: Int32 = 0, offset: Int64, sequence: UInt64?) -> ConsumedRecord {
        let headers: [(String, [UInt8])] = sequence.map {
            [("dhcpkafka-spool", Array("0b9e5c2e-0000-4000-8000-000000000001".utf8)), ("dhcpkafka-sequence", Array(String($0).utf8))]
        } ?? []
        return ConsumedRecord(
            partition: partition, offset: offset, key: nil, value: Frames.bytes(frame), headers: headers, timestamp: -1)
    }

    static func batch(_ records: [ConsumedRecord]) -> IngestBatch {
        var batch = IngestBatch()
        for record in records {
            switch RecordDecoder().decode(record, now: 1_800_000_000) {
            case .transaction(let t): batch.transactions.append(t)
            case .gap(let g): batch.gaps.append(g)
            case .undecodable(let u): batch.undecodable.append(u)
            }
        }
        return batch
    }

    @Test func dhcpkitWrapperIsNotALocationAndRealRelaysAre() async throws {
        let direct = Frames.transaction(server: "s1", client: 1, request: .solicit, response: .advertise, at: 1_800_000_000)
        let relayed = Frames.transaction(
            server: "s1", client: 2, request: .solicit, response: .advertise, at: 1_800_000_000,
            relayed: (Array("ge-0/0/1.100".utf8), [0xAA, 0xBB]))
        let kea = Frames.transaction(
            server: "kea", client: 3, request: .solicit, response: .advertise, at: 1_800_000_000, dhcpkit: false)
        let batch = Self.batch([
            Self.record(direct, offset: 0, sequence: 1), Self.record(relayed, offset: 1, sequence: 2),
            Self.record(kea, offset: 2, sequence: 3),
        ])
        #expect(batch.transactions.count == 3)
        let clients = batch.transactions.map(\.client)
        #expect(clients[0]?.interfaceID == [])
        #expect(clients[0]?.mac == "52:54:00:00:00:01")
        #expect(clients[1]?.interfaceID == Array("ge-0/0/1.100".utf8))
        #expect(clients[1]?.remoteID == [0xAA, 0xBB])
        #expect(ClientLocation.realRelays(of: try #require(relayed.messageIn), mode: .auto).count == 1)
        #expect(clients[2]?.interfaceID == [])
        #expect(batch.transactions[0].requestType == "solicit")
        #expect(batch.transactions[0].responseType == "advertise")
    }

    @Test func redeliveredRecordsAreStoredOnceWithAndWithoutHeaders() async throws {
        try await TemporaryDirectory.with(prefix: "lg-store") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            let frames = (0..<20).map {
                Frames.transaction(server: "s\($0 % 2)", client: $0, request: .solicit, response: .advertise, at: 1_800_000_000 + Double($0))
            }
            let withHeaders = frames.enumerated().map { Self.record($1, offset: Int64($0), sequence: UInt64($0)) }
            let original = frames.enumerated().map { Self.record($1, partition: 1, offset: Int64($0), sequence: nil) }
            #expect(try store.ingest(Self.batch(withHeaders)).inserted == 20)
            let again = try store.ingest(Self.batch(withHeaders))
            #expect(again.inserted == 0 && again.duplicates == 20)
            // The original producer's records (no headers) are the same frames: a different identity,
            // stored once, and once only when redelivered.
            #expect(try store.ingest(Self.batch(original)).inserted == 20)
            #expect(try store.ingest(Self.batch(Array(original.prefix(5)))).duplicates == 5)
            #expect(try store.statistics().transactions == 40)
        }
    }

    @Test func leaseHistoryFollowsRequestRenewRelease() async throws {
        try await TemporaryDirectory.with(prefix: "lg-lease") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            let t0 = 1_800_000_000.0
            let address = "2001:db8:1::42"
            let frames = [
                Frames.transaction(server: "s1", client: 7, request: .request, response: .reply, address: address, validLifetime: 100, at: t0),
                Frames.transaction(server: "s1", client: 7, request: .renew, response: .reply, address: address, validLifetime: 100, at: t0 + 80),
                Frames.transaction(server: "s1", client: 7, request: .release, response: .reply, address: address, at: t0 + 150),
                Frames.transaction(server: "s1", client: 8, request: .request, response: .reply, address: address, validLifetime: 100, at: t0 + 200),
            ]
            _ = try store.ingest(Self.batch(frames.enumerated().map { Self.record($1, offset: Int64($0), sequence: UInt64($0)) }))
            let renewed = try store.leases(of: address, kind: .address, at: t0 + 170 - 30)
            #expect(renewed.count == 1)
            #expect(renewed.first?.clientDUID == Frames.clientDUID(7).bytes)
            #expect(renewed.first?.from == t0 + 0.002)
            #expect(abs((renewed.first?.until ?? 0) - (t0 + 150.002)) < 0.001)
            #expect(try store.leases(of: address, kind: .address, at: t0 + 170).isEmpty)
            #expect(try store.leases(of: address, kind: .address, at: t0 + 250).first?.clientDUID == Frames.clientDUID(8).bytes)
        }
    }

    @Test func retentionBoundsTransactionsPerClientAndByAge() async throws {
        try await TemporaryDirectory.with(prefix: "lg-retention") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            let t0 = 1_800_000_000.0
            var sequence: UInt64 = 0
            for round in 0..<10 {
                let records = (0..<200).map { n -> ConsumedRecord in
                    sequence += 1
                    let frame = Frames.transaction(
                        server: "s1", client: n, request: .solicit, response: .advertise, at: t0 + Double(round * 10))
                    return Self.record(frame, offset: Int64(sequence), sequence: sequence)
                }
                _ = try store.ingest(Self.batch(records))
                _ = try store.prune(Retention(transactionsPerClient: 3, transactionAge: 1000, leaseAge: 1000), now: t0 + 100)
            }
            #expect(try store.statistics().transactions == 600)
            _ = try store.prune(Retention(transactionsPerClient: 3, transactionAge: 5, leaseAge: 5), now: t0 + 95)
            #expect(try store.statistics().transactions == 200)
            // The overview's counts (kept by triggers) follow the deletions.
            let overview = try store.servers(now: t0 + 95)
            #expect(overview.map(\.transactions) == [200])
            #expect(overview.first?.typeMix.map(\.1) == [200])
        }
    }

    @Test func undecodableRecordsAreKeptWithTheirReason() async throws {
        try await TemporaryDirectory.with(prefix: "lg-undecodable") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            var batch = Self.batch([
                ConsumedRecord(partition: 0, offset: 1, key: nil, value: [1, 3, 0x41], headers: [], timestamp: -1),
                ConsumedRecord(partition: 0, offset: 2, key: nil, value: [], headers: [], timestamp: -1),
            ])
            #expect(batch.undecodable.map(\.reason) == ["length-past-end", "empty"])
            _ = try store.ingest(batch)
            batch.transactions = []
            _ = try store.ingest(batch)
            #expect(try store.statistics().undecodable == ["length-past-end": 1, "empty": 1])
        }
    }

    @Test func locationFiltersIgnoreDHCPKitsWrapper() async throws {
        try await TemporaryDirectory.with(prefix: "lg-locations") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            let t0 = 1_800_000_000.0
            let port7 = (Array("port-7".utf8), [UInt8](Array("r7".utf8)))
            let port8 = (Array("port-8".utf8), [UInt8](Array("r8".utf8)))
            let frames = [
                // Direct clients of one DHCPKit server: all wrapped with interface-id "eth0", no location.
                Frames.transaction(server: "s1", client: 1, request: .solicit, response: .advertise, at: t0),
                Frames.transaction(server: "s1", client: 2, request: .solicit, response: .advertise, at: t0),
                // Two DUIDs behind port 7; client 3 also moves to port 8.
                Frames.transaction(server: "s1", client: 3, request: .solicit, response: .advertise, at: t0, relayed: port7),
                Frames.transaction(server: "s2", client: 4, request: .solicit, response: .advertise, at: t0, relayed: port7),
                Frames.transaction(server: "s2", client: 3, request: .solicit, response: .advertise, at: t0 + 1, relayed: port8),
            ]
            _ = try store.ingest(Self.batch(frames.enumerated().map { Self.record($1, offset: Int64($0), sequence: UInt64($0)) }))
            let shared = try store.clients(.sharedLocation)
            #expect(Set(shared.map(\.duid)) == [Frames.clientDUID(3).bytes, Frames.clientDUID(4).bytes])
            #expect(Set(shared.map(\.interfaceID)) == [Array("port-7".utf8)])
            let roaming = try store.clients(.roaming)
            #expect(roaming.map(\.duid) == [Frames.clientDUID(3).bytes, Frames.clientDUID(3).bytes])
            #expect(try store.clients(.duid(Frames.clientDUID(1).bytes)).first?.interfaceID == [])
        }
    }

    /// Churn: new clients every round, only the last two rounds kept. Freed pages are reused, so the
    /// file (with its WAL) stops growing once the retention bound is reached.
    @Test func retentionHoldsTheDiskWithinItsBoundUnderChurn() async throws {
        try await TemporaryDirectory.with(prefix: "lg-disk") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            let t0 = 1_800_000_000.0
            let retention = Retention(transactionsPerClient: 5, transactionAge: 25, leaseAge: 25)
            var sequence: UInt64 = 0
            var sizes: [Int64] = []
            for round in 0..<24 {
                let now = t0 + Double(round * 10)
                let records = (0..<1500).map { n -> ConsumedRecord in
                    sequence += 1
                    let frame = Frames.transaction(
                        server: "s1", client: round * 1500 + n, request: .request, response: .reply,
                        address: "2001:db8:\(String(round, radix: 16))::\(String(n + 1, radix: 16))", validLifetime: 5, at: now)
                    return Self.record(frame, offset: Int64(sequence), sequence: sequence)
                }
                _ = try store.ingest(Self.batch(records))
                _ = try store.prune(retention, now: now)
                sizes.append(try store.statistics().bytesOnDisk)
            }
            let stats = try store.statistics()
            #expect(stats.transactions <= 3 * 1500)
            // Clients stay while a lease of theirs is kept: leases end 5 s after their round, kept 25 s more.
            #expect(stats.clients <= 4 * 1500)
            // Once the bound is reached (round 6), the rest of the churn (18 more rounds) adds at most a quarter.
            #expect(sizes[23] <= sizes[6] + sizes[6] / 4, "sizes by round: \(sizes)")
        }
    }
}
