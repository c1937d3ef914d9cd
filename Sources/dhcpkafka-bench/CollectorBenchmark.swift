import DHCPKafkaSink
import Foundation
import LookingGlassCollector
import LookingGlassStore

/// The looking glass collector's ingest rate (Kafka → decode → SQLite, offsets committed after each
/// batch) against a bare consumer, `kcat -C` to /dev/null, reading the same topic of the same mock
/// broker in the same run.
struct CollectorBenchmark {
    let records: Int
    /// Records per store transaction (the collector's `batchSize`).
    let batch: Int

    func run() throws {
        let directory = NSTemporaryDirectory() + "dhcpkafka-bench-collector-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The mock broker keeps about 5 MiB per partition: 16 partitions hold 100,000 fixture frames.
        let partitions = max(16, records / 6000)
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: partitions)
        try produce(cluster)

        let kcatStart = Date()
        let kcatSelfCPU = cpuSeconds()
        let kcat = Process()
        kcat.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        kcat.arguments = ["-C", "-b", cluster.bootstrapServers, "-t", "dhcpkit.messages", "-o", "beginning", "-e", "-q"]
        kcat.standardOutput = FileHandle.nullDevice
        try kcat.run()
        kcat.waitUntilExit()
        let kcatSeconds = Date().timeIntervalSince(kcatStart)
        // kcat's own CPU and the in-process mock broker's while it served kcat.
        let kcatCPU = cpuSeconds(RUSAGE_CHILDREN) + cpuSeconds() - kcatSelfCPU
        guard kcat.terminationStatus == 0 else { throw BenchError("kcat exited \(kcat.terminationStatus)") }

        let path = directory + "/lg.sqlite"
        let store = try SQLiteStore(path: path)
        let collector = try Collector(
            // No retention pass: the fixture frames are older than the default transaction age, so
            // a pass in a run longer than its interval (a loaded machine) deleted what was counted.
            configuration: CollectorConfiguration(
                brokers: cluster.bootstrapServers, group: "bench-\(getpid())", batchSize: batch,
                retentionInterval: .greatestFiniteMagnitude),
            store: store)
        let start = Date()
        let collectorSelfCPU = cpuSeconds()
        let threadsBefore = ProcessProbe.threadTimes()
        collector.start()
        // Joining the consumer group (kcat assigns partitions without one) comes before the first
        // record: the time until then is reported apart.
        var firstStored: (at: Date, records: Int)?
        while true {
            let stored = collector.counters.snapshot.records
            if firstStored == nil, stored > 0 { firstStored = (Date(), stored) }
            guard stored < records, Date().timeIntervalSince(start) < 600 else { break }
            usleep(10_000)
        }
        let seconds = Date().timeIntervalSince(start)
        let joinSeconds = (firstStored?.at ?? Date()).timeIntervalSince(start)
        // The rate once the group is joined: the records after the first stored batch, over the time
        // after it (the first batch's own decode and store are in the join time, so this is fair).
        let steadyRate = Double(records - (firstStored?.records ?? 0)) / max(seconds - joinSeconds, 1e-9)
        // The collector's threads and the mock broker serving them.
        let collectorCPU = cpuSeconds() - collectorSelfCPU
        // The busiest thread (the store thread: the pipeline's bottleneck) over the collector's run:
        // its CPU time, and how long it waited in the run queue for a CPU.
        var busiest = 0.0
        var waited = 0.0
        for (tid, now) in ProcessProbe.threadTimes() {
            let before = threadsBefore[tid] ?? (0, 0)
            if now.cpu - before.cpu > busiest { (busiest, waited) = (now.cpu - before.cpu, now.wait - before.wait) }
        }
        collector.requestStop()
        let stored = try store.statistics()
        let rss = peakRSS(pid: getpid()) ?? 0
        // The fixtures include one frame with neither message: kept as undecodable (`no-messages`).
        let kept = stored.transactions + stored.undecodable.values.reduce(0, +)
        guard kept == records else {
            throw BenchError("the collector kept \(kept) of \(records) records in \(Int(seconds)) s")
        }
        let collectorRate = Double(records) / seconds
        let kcatRate = Double(records) / kcatSeconds
        emit([
            ("benchmark", "collector-ingest"), ("records", records), ("batch", batch), ("partitions", partitions),
            ("collector_tx_per_s", collectorRate), ("kcat_records_per_s", kcatRate), ("ratio", collectorRate / kcatRate),
            ("db_bytes", Int(stored.bytesOnDisk)), ("db_bytes_per_million", Double(stored.bytesOnDisk) * 1e6 / Double(records)),
            ("peak_rss_bytes", rss), ("collector_cpu_us_per_tx", collectorCPU * 1e6 / Double(records)),
            ("kcat_cpu_us_per_record", kcatCPU * 1e6 / Double(records)),
            ("collector_tx_per_cpu_s", Double(records) / collectorCPU), ("cpu_ratio", kcatCPU / collectorCPU),
            ("busiest_thread_cpu_us_per_tx", busiest * 1e6 / Double(records)),
            ("busiest_thread_runqueue_wait_s", waited), ("first_batch_stored_after_s", joinSeconds),
            ("collector_tx_per_s_after_join", steadyRate), ("ratio_after_join", steadyRate / kcatRate),
        ])
        note(String(
            format: "collector ingest: %d transactions in %.2f s = %.0f tx/s into SQLite; kcat -C: %.0f records/s; ratio %.2f; "
                + "database %.1f MB (%.0f MB per million); CPU (with the in-process broker): collector %.1f µs/tx "
                + "(%.0f tx per CPU second), kcat %.1f µs/record, ratio %.2f; busiest thread %.1f µs/tx, waited %.1f s "
                + "for a CPU; first batch stored after %.2f s (group join), then %.0f tx/s = %.2f× kcat", records, seconds, collectorRate, kcatRate,
            collectorRate / kcatRate, Double(stored.bytesOnDisk) / 1e6, Double(stored.bytesOnDisk) / Double(records),
            collectorCPU * 1e6 / Double(records), Double(records) / collectorCPU, kcatCPU * 1e6 / Double(records),
            kcatCPU / collectorCPU, busiest * 1e6 / Double(records), waited, joinSeconds, steadyRate,
            steadyRate / kcatRate))
    }

    /// `records` fixture frames with the relay's headers, as `dhcpkafka run` publishes them.
    private func produce(_ cluster: MockCluster) throws {
        let templates = try ForwardBenchmarks.fixtureFrames()
        let producer = try KafkaProducer(configuration: KafkaSinkConfiguration(
            brokers: cluster.brokers, properties: [("queue.buffering.max.messages", "1000000"), ("linger.ms", "20")]))
        defer { producer.close() }
        let spool = Array("5f0c7e4a-0000-4000-8000-00000000b001".utf8)
        for sequence in 0..<records {
            let headers: [(String, [UInt8])] = [
                ("dhcpkafka-spool", spool), ("dhcpkafka-sequence", Array(String(sequence).utf8)), ("dhcpkafka-epoch", [0x30]),
            ]
            while true {
                let outcome = templates[sequence % templates.count].withUnsafeBytes {
                    producer.produce(value: $0, key: Array(String(sequence % 997).utf8), headers: headers, token: UInt64(sequence))
                }
                if outcome == .queueFull {
                    _ = producer.poll(timeoutMs: 10)
                    continue
                }
                guard outcome == .accepted else { throw BenchError("produce failed: \(outcome)") }
                break
            }
            if sequence % 10_000 == 0 { _ = producer.poll(timeoutMs: 0) }
        }
        guard producer.flush(timeoutMs: 300_000) else { throw BenchError("the producer could not flush") }
    }
}
