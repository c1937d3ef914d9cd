// swift-tools-version:6.1
// DHCPKafka: a durable relay from DHCPv6 servers to Kafka.
// Dependency arrows point one way: CLI -> services -> (spool, sink) -> wire/DHCPv6 -> C shims.
import PackageDescription

let package = Package(
    name: "DHCPKafka",
    // Linux only (pidfds, SO_PEEK_OFF, recvmmsg, Glibc): no other platform is declared.
    products: [
        .executable(name: "dhcpkafka", targets: ["dhcpkafka"]),
        // What a Swift DHCPv6 server links to hand its transactions to the daemon.
        .library(name: "DHCPKafkaWriter", targets: ["DHCPKafkaWriter"]),
        // The looking glass: collector and dashboard over every server's transactions (docs/lookingglass.md).
        .executable(name: "dhcpkafka-lookingglass", targets: ["dhcpkafka-lookingglass"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The looking glass only (never linked into the relay binary).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        // Already in the graph through Hummingbird; named so the looking glass tests can read a channel's port.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Errno, FileDescriptor and retry-on-EINTR for the socket and spool modules' system calls.
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(
            name: "CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CLMDB", pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]),

        // An ordered JSON value and its writer, for machine-readable CLI output.
        .target(name: "JSONValue"),
        // The text forms every module shares, written once: hex (and UUID text), host:port.
        .target(name: "TextCodecs"),
        // The DHCPv6 model, parser and serializer (RFC 8415 and friends).
        .target(name: "DHCPv6", dependencies: ["JSONValue", "TextCodecs"]),
        // The Kafka frame format, byte-compatible with dhcpkit-kafka 1.0.0.
        .target(name: "DHCPKafkaWire", dependencies: ["DHCPv6", "JSONValue", "TextCodecs"]),
        // The durable on-disk ring of received frames: an LMDB environment in a directory.
        .target(
            name: "DHCPKafkaSpool",
            dependencies: ["CLMDB", "TextCodecs", .product(name: "SystemPackage", package: "swift-system")]),
        // The config file: its schema (one table of keys), the ZConfig-style parser, the reference docs.
        .target(name: "DHCPKafkaConfig", dependencies: ["JSONValue", "TextCodecs"]),

        // The Kafka layer under the forwarder: idempotent producer, delivery reports, broker state,
        // source-address binding, plus librdkafka's mock cluster and a minimal consumer for checks.
        .target(name: "DHCPKafkaSink", dependencies: ["CRdKafka", "TextCodecs"]),

        // Unix datagram sockets (the daemon's ingest end, the writers' non-blocking end) and the small
        // C shims for system calls Swift cannot reach (recvmmsg with credentials).
        .target(name: "CSystemShims"),
        .target(
            name: "DHCPKafkaSocket",
            dependencies: ["CSystemShims", .product(name: "SystemPackage", package: "swift-system")]),

        // The handler side: encodes a transaction as a frame and sends it without ever blocking.
        .target(
            name: "DHCPKafkaWriter",
            dependencies: ["DHCPKafkaSocket", .product(name: "SystemPackage", package: "swift-system")]),

        // What the long-running programs share: worker threads as lifecycle services, systemd's
        // notification protocol (readiness, watchdog, status), latency percentiles.
        .target(
            name: "DHCPKafkaRuntime",
            dependencies: [.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),

        // Operations: the Prometheus text endpoint (swift-metrics with the Prometheus backend), the
        // relay's metric names and the snapshot they are read from.
        .target(
            name: "DHCPKafkaMetrics",
            dependencies: [
                "DHCPKafkaRuntime", "TextCodecs",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        // The forwarder: spool to Kafka, acknowledged prefix only, with backoff.
        .target(
            name: "DHCPKafkaForwarder",
            dependencies: [
                "DHCPKafkaSink", "DHCPKafkaSpool", "DHCPKafkaWire", "DHCPv6", "DHCPKafkaRuntime", "JSONValue",
                "TextCodecs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // The daemon, assembled from one resolved configuration (`Daemon`, `IngestWorker`): socket
        // ingest into the spool, the supervising parent that keeps the socket and restarts the ingest
        // worker and the forwarder child, config reload, the metrics source, the forwarder's parent watch.
        .target(
            name: "DHCPKafkaDaemon",
            dependencies: [
                "DHCPKafkaSocket", "DHCPKafkaSpool", "DHCPKafkaWire", "DHCPKafkaRuntime", "CSystemShims",
                "DHCPKafkaConfig", "DHCPKafkaMetrics", "DHCPKafkaForwarder", "JSONValue",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        .executableTarget(
            name: "dhcpkafka",
            dependencies: [
                "DHCPKafkaConfig", "DHCPKafkaDaemon", "DHCPKafkaForwarder", "DHCPKafkaSink", "DHCPKafkaWriter", "DHCPKafkaMetrics", "DHCPKafkaSpool", "DHCPKafkaRuntime", "DHCPKafkaWire", "DHCPKafkaSocket", "DHCPv6", "JSONValue",
                "TextCodecs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        // The looking glass (docs/lookingglass.md), a separate product: the relay binary links none of it.
        // Its store: transactions, clients, leases and gaps in SQLite (GRDB), behind a narrow protocol.
        // sqlite3_config (variadic) for the store: SQLite's allocation statistics off.
        .target(name: "CSQLiteTuning", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "LookingGlassStore",
            dependencies: [
                "JSONValue", "DHCPv6", "CSQLiteTuning", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // Its collector: a Kafka consumer-group member decoding records into the store.
        .target(
            name: "LookingGlassCollector",
            dependencies: [
                "LookingGlassStore", "DHCPKafkaSink", "DHCPKafkaWire", "DHCPv6", "JSONValue", "DHCPKafkaRuntime",
                "TextCodecs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Its web side: JSON API, server-rendered HTML pages, live tail.
        .target(
            name: "LookingGlassWeb",
            dependencies: [
                "LookingGlassStore", "JSONValue", "DHCPKafkaWire", "DHCPv6", "TextCodecs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]),
        .executableTarget(
            name: "dhcpkafka-lookingglass",
            dependencies: [
                "LookingGlassStore", "LookingGlassCollector", "LookingGlassWeb", "DHCPKafkaSink", "DHCPKafkaRuntime",
                "DHCPKafkaConfig", "TextCodecs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),

        // Benchmarks against references measured in the same run (results: docs/benchmarks.md).
        .executableTarget(
            name: "dhcpkafka-bench",
            dependencies: [
                "DHCPKafkaSpool", "DHCPKafkaSink", "DHCPKafkaForwarder", "DHCPKafkaRuntime", "DHCPKafkaWire", "DHCPKafkaWriter", "DHCPKafkaSocket",
                "LookingGlassCollector", "LookingGlassStore", "TextCodecs",
                // The spool benchmark's reference: raw LMDB puts through the C API.
                "CLMDB",
            ]),

        // Shared helpers for the tests: temp dirs, fixtures, processes, Python oracle.
        .target(
            name: "DHCPKafkaTestSupport", dependencies: ["JSONValue", "TextCodecs", "DHCPKafkaSpool", "DHCPKafkaSink", "DHCPKafkaRuntime"],
            path: "Tests/DHCPKafkaTestSupport"),
        .testTarget(name: "JSONValueTests", dependencies: ["JSONValue"]),
        .testTarget(name: "DHCPKafkaConfigTests", dependencies: ["DHCPKafkaConfig", "JSONValue"]),
        .testTarget(name: "DHCPv6Tests", dependencies: ["DHCPv6", "DHCPKafkaTestSupport"]),
        .testTarget(
            name: "DHCPKafkaWireTests",
            dependencies: ["DHCPKafkaWire", "DHCPv6", "DHCPKafkaTestSupport"]),
        .testTarget(
            name: "InteropTests",
            dependencies: ["DHCPKafkaWire", "DHCPv6", "JSONValue", "DHCPKafkaTestSupport", "TextCodecs"]),
        .testTarget(name: "DHCPKafkaSocketTests", dependencies: ["DHCPKafkaSocket", "DHCPKafkaTestSupport"]),
        .testTarget(
            name: "DHCPKafkaSpoolTests",
            dependencies: ["DHCPKafkaSpool", "DHCPKafkaTestSupport"]),
        // Test-only helper process for the spool tests: appends and prints committed
        // ranges until killed, holds read transactions, or holds the writer lock.
        .executableTarget(
            name: "spool-torture", dependencies: ["DHCPKafkaSpool", "CLMDB"],
            path: "Tests/SpoolTorture"),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "DHCPKafkaSpool", "DHCPKafkaWire", "DHCPKafkaSink", "DHCPKafkaRuntime", "DHCPv6", "JSONValue", "DHCPKafkaTestSupport",
            ]),
        // In-process tests of the forwarder's parts: in-flight window, backoff, record builder.
        .testTarget(
            name: "DHCPKafkaForwarderTests",
            dependencies: [
                "DHCPKafkaForwarder", "DHCPKafkaSink", "DHCPKafkaSpool", "DHCPKafkaWire", "DHCPv6", "DHCPKafkaTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "DHCPKafkaSinkTests",
            dependencies: ["DHCPKafkaSink", "DHCPKafkaTestSupport"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["JSONValue", "DHCPKafkaConfig", "DHCPKafkaSpool", "DHCPKafkaTestSupport"]),
        // Test-only producer process: KafkaProducer run with whichever librdkafka LD_LIBRARY_PATH picks,
        // so the interop tests can use librdkafka 2.16 (Debian's 2.0.2 cannot talk to tansu).
        .executableTarget(
            name: "sink-probe", dependencies: ["DHCPKafkaSink", "CRdKafka", "JSONValue", "TextCodecs"],
            path: "Tests/SinkProbe"),
        .testTarget(
            name: "DHCPKafkaWriterTests",
            dependencies: ["DHCPKafkaWriter", "DHCPKafkaWire", "DHCPv6", "DHCPKafkaSocket", "DHCPKafkaTestSupport"]),
        // Real DHCPv6 servers (DHCPKit with our extension, Kea with our hook) serving real clients in
        // network namespaces, through the daemon into a Kafka-protocol broker.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "DHCPKafkaWire", "DHCPKafkaWriter", "DHCPv6", "DHCPKafkaSink", "JSONValue", "DHCPKafkaTestSupport",
            ]),
        // In-process: worker services and thread groups under the lifecycle, latency percentiles.
        .testTarget(
            name: "DHCPKafkaRuntimeTests",
            dependencies: [
                "DHCPKafkaRuntime", "DHCPKafkaTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // In-process: the daemon module's parts (sender groups, pending frames, rate-limited log,
        // ingest progress, the child supervisor with real child processes).
        .testTarget(
            name: "DHCPKafkaDaemonTests",
            dependencies: [
                "DHCPKafkaDaemon", "DHCPKafkaSpool", "DHCPKafkaTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // In-process: the metrics endpoint on an ephemeral port, its HTTP handling and limits.
        .testTarget(name: "DHCPKafkaMetricsTests", dependencies: ["DHCPKafkaMetrics", "DHCPKafkaTestSupport"]),
        // The looking glass: real SQLite on disk, the mock cluster, its HTTP server on a loopback port, the real relay.
        // No HummingbirdTesting: it would build AsyncHTTPClient and BoringSSL (NIOSSL) for every test build.
        .testTarget(
            name: "LookingGlassTests",
            dependencies: [
                "LookingGlassStore", "LookingGlassCollector", "LookingGlassWeb", "DHCPKafkaSink", "DHCPKafkaWire",
                "DHCPv6", "JSONValue", "DHCPKafkaTestSupport", "DHCPKafkaWriter", "TextCodecs",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]),
        // A real broker (tansu) and an independent consumer (confluent-kafka + dhcpkit-kafka).
        .testTarget(
            name: "TansuInteropTests",
            dependencies: ["DHCPKafkaWire", "DHCPv6", "JSONValue", "DHCPKafkaTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// Strict settings for every Swift target, as swift-log does.
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
