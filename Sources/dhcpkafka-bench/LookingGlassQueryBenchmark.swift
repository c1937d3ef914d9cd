import Foundation
import LookingGlassStore

/// The looking glass store's query latencies with many stored transactions: who had an address
/// (`/api/leases`), one client's transactions (`/api/transactions?duid=`) and the overview's figures.
/// Fills a fresh SQLite file through the same ingest path as the collector (no Kafka), 5 servers,
/// one client per 10 transactions, each transaction a Request/Reply leasing one address.
struct LookingGlassQueryBenchmark {
    let transactions: Int
    /// Rows per store transaction while filling (the collector uses up to 1,000 per Kafka poll).
    var batchSize = 1000

    func run() throws {
        let directory = NSTemporaryDirectory() + "dhcpkafka-bench-lgq-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/lg.sqlite")
        let clients = max(transactions / 10, 1)
        let t0 = Date().timeIntervalSince1970 - Double(transactions) / 100
        let raw = [UInt8](repeating: 0xA5, count: 400)
        let fillStart = Date()
        let fillCPU = cpuSeconds()
        var batch = IngestBatch()
        for n in 0..<transactions {
            let client = n % clients
            let duid: [UInt8] = [0, 3, 0, 1, 0x52, 0x54, 0, UInt8(client >> 16 & 0xFF), UInt8(client >> 8 & 0xFF), UInt8(client & 0xFF)]
            batch.transactions.append(TransactionInput(
                identity: "s:bench:0:\(n)", serverName: "dhcp\(n % 5).example.net", timestampIn: t0 + Double(n) / 100,
                timestampOut: t0 + Double(n) / 100 + 0.001, requestType: "request", responseType: "reply",
                client: ClientInput(duid: duid, interfaceID: Array("port-\(client % 500)".utf8), remoteID: [], subscriberID: [], mac: nil),
                leases: [LeaseInput(kind: .address, text: Self.address(client), preferredLifetime: 1800, validLifetime: 3600)],
                statusCodes: [], raw: raw))
            if batch.transactions.count == batchSize {
                _ = try store.ingest(batch)
                batch = IngestBatch()
            }
            if (n + 1) % 1_000_000 == 0 {
                note(String(format: "filled %d of %d transactions (%.0f tx/s)\n", n + 1, transactions,
                            Double(n + 1) / Date().timeIntervalSince(fillStart)))
            }
        }
        _ = try store.ingest(batch)
        let fillSeconds = Date().timeIntervalSince(fillStart)
        let fillCPUSeconds = cpuSeconds() - fillCPU
        let stats = try store.statistics()
        var rng = SystemRandomNumberGenerator()
        func measure(_ count: Int, _ body: () throws -> Void) rethrows -> (p50: Double, p99: Double) {
            var samples: [Double] = []
            for _ in 0..<count {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            samples.sort()
            return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)])
        }
        let leases = try measure(1000) {
            let client = Int.random(in: 0..<clients, using: &rng)
            _ = try store.leases(of: Self.address(client), kind: .address, at: t0 + Double(client) / 100 + 1)
        }
        let byDUID = try measure(1000) {
            let client = Int.random(in: 0..<clients, using: &rng)
            var query = TransactionQuery()
            query.duid = [0, 3, 0, 1, 0x52, 0x54, 0, UInt8(client >> 16 & 0xFF), UInt8(client >> 8 & 0xFF), UInt8(client & 0xFF)]
            _ = try store.transactions(query)
        }
        let overview = try measure(20) { _ = try store.servers(now: Date().timeIntervalSince1970) }
        let rss = peakRSS(pid: getpid()) ?? 0
        emit([
            ("benchmark", "lookingglass-queries"), ("transactions", transactions), ("fill_tx_per_s", Double(transactions) / fillSeconds),
            ("leases_p50_ms", leases.p50), ("leases_p99_ms", leases.p99), ("duid_p50_ms", byDUID.p50), ("duid_p99_ms", byDUID.p99),
            ("overview_p50_ms", overview.p50), ("overview_p99_ms", overview.p99), ("db_bytes", Int(stats.bytesOnDisk)),
            ("peak_rss_bytes", rss), ("fill_cpu_us_per_tx", fillCPUSeconds * 1e6 / Double(transactions)),
        ])
        note(String(
            format: "looking glass queries at %d transactions: leases p50 %.2f / p99 %.2f ms; by DUID p50 %.2f / p99 %.2f ms; "
                + "overview p50 %.0f / p99 %.0f ms; database %.0f MB; peak RSS %.0f MB (fill %.0f tx/s, %.1f CPU µs/tx)", transactions,
            leases.p50, leases.p99, byDUID.p50, byDUID.p99, overview.p50, overview.p99, Double(stats.bytesOnDisk) / 1e6,
            Double(rss) / 1e6, Double(transactions) / fillSeconds, fillCPUSeconds * 1e6 / Double(transactions)))
    }

    static func address(_ client: Int) -> String {
        "2001:db8:\(String(client >> 16, radix: 16))::\(String(client & 0xFFFF, radix: 16))"
    }
}
