// dhcpkafka-bench: measures DHCPKafka against references measured in the same run.
// Prints one JSON object per result line (machine-readable), then a human summary on stderr.
//
//   dhcpkafka-bench ingest [--writers N] [--seconds S] [--durability sync|nometasync|periodic:1] [--rates R1,R2,…]
import Foundation

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
    default:
        note("unknown benchmark \(benchmark); available: ingest\n")
        exit(2)
    }
} catch {
    note("benchmark failed: \(error)\n")
    exit(1)
}
