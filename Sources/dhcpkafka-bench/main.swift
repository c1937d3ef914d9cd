// dhcpkafka-bench: measures DHCPKafka against references measured in the same run.
// Prints one JSON object per result line (machine-readable), then a human summary on stderr.
//
//   dhcpkafka-bench ingest [--writers N] [--seconds S] [--durability sync|nometasync|periodic:1] [--rates R1,R2,…]
//   dhcpkafka-bench spool [--directory D] [--frames N] [--frame-size B] [--batch N] [--durability MODE]
//                                                   Spool.append vs raw LMDB MDB_APPEND puts, same frames and batches
//   dhcpkafka-bench forward [--frames N]            forward a pre-filled spool vs kcat to the same mock broker
//   dhcpkafka-bench latency [--rate R] [--seconds S] socket → Kafka delivery report latency at a steady rate
//   dhcpkafka-bench backlog [--gigabytes G]          forwarder RSS with a large backlog and the broker down
//   dhcpkafka-bench backlog --rate R --seconds S     daemon + forwarder RSS through an outage with ingest running, then the drain
//   dhcpkafka-bench end-to-end [--frames N] [--writers W] [--rate R]   writers → run → mock broker vs kcat, rate and CPU
//   dhcpkafka-bench writer [--rate R] [--frames N]   Swift writer per-frame cost: daemon healthy, stalled, stopped
//   dhcpkafka-bench collector [--records N] [--batch N]   looking glass ingest into SQLite vs kcat -C, same topic
//   dhcpkafka-bench lookingglass-queries [--transactions N] [--batch N]   store query latencies with N stored transactions
import Foundation
import LookingGlassCollector

let arguments = Array(CommandLine.arguments.dropFirst())
guard let benchmark = arguments.first else {
    note("usage: dhcpkafka-bench ingest [--writers N] [--seconds S] [--durability MODE]\n")
    exit(2)
}

func option(_ name: String, default value: String) -> String {
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return value }
    return arguments[index + 1]
}

do {
    switch benchmark {
    case "ingest":
        try IngestBenchmark(
            writers: Int(option("writers", default: "4")) ?? 4,
            seconds: Double(option("seconds", default: "10")) ?? 10,
            durability: option("durability", default: "sync"),
            rates: option("rates", default: "50000,100000,150000,200000,250000,300000").split(separator: ",").compactMap { Int($0) }
        ).run()
    case "backlog" where arguments.contains("--rate"):
        try OutageBenchmark(rate: Int(option("rate", default: "5000")) ?? 5000, seconds: Int(option("seconds", default: "120")) ?? 120).run()
    case "end-to-end":
        try EndToEndBenchmark(
            frames: Int(option("frames", default: "1000000")) ?? 1_000_000, writers: Int(option("writers", default: "2")) ?? 2,
            rate: Int(option("rate", default: "0")) ?? 0
        ).run()
    case "forward", "latency", "backlog":
        let bench = try ForwardBenchmarks()
        defer { bench.cleanUp() }
        switch benchmark {
        case "forward": try bench.throughput(count: Int(option("frames", default: "1000000")) ?? 1_000_000)
        case "latency": try bench.latency(rate: Int(option("rate", default: "5000")) ?? 5000, seconds: Int(option("seconds", default: "10")) ?? 10)
        default: try bench.backlogRSS(gigabytes: Double(option("gigabytes", default: "1")) ?? 1)
        }
    case "spool":
        try SpoolAppendBenchmark(
            frames: Int(option("frames", default: "100000")) ?? 100_000,
            frameSize: Int(option("frame-size", default: "450")) ?? 450,
            batchSize: Int(option("batch", default: "256")) ?? 256,
            durability: option("durability", default: "sync"), directory: option("directory", default: "")
        ).run()
    case "writer":
        try WriterBenchmark(
            rate: Int(option("rate", default: "20000")) ?? 20_000, frames: Int(option("frames", default: "100000")) ?? 100_000
        ).run()
    case "lookingglass-queries":
        try LookingGlassQueryBenchmark(
            transactions: Int(option("transactions", default: "1000000")) ?? 1_000_000,
            batchSize: Int(option("batch", default: "1000")) ?? 1000
        ).run()
    case "collector":
        try CollectorBenchmark(
            records: Int(option("records", default: "100000")) ?? 100_000,
            batch: Int(option("batch", default: String(CollectorConfiguration.defaultBatchSize)))
                ?? CollectorConfiguration.defaultBatchSize
        ).run()
    default:
        note("unknown benchmark \(benchmark); available: ingest, spool, forward, latency, backlog, end-to-end, writer, collector, lookingglass-queries\n")
        exit(2)
    }
} catch {
    note("benchmark failed: \(error)\n")
    exit(1)
}
