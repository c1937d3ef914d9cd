import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaRuntime
import Foundation
import Hummingbird
import Logging
import LookingGlassCollector
import LookingGlassStore
import LookingGlassWeb
import ServiceLifecycle
import TextCodecs
import UnixSignals

/// `dhcpkafka-lookingglass`: collects every server's transactions from Kafka into SQLite and serves
/// the dashboard and JSON API (docs/lookingglass.md).
@main
struct LookingGlassCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dhcpkafka-lookingglass",
        abstract: "Collect DHCPv6 transactions from Kafka and show them on one dashboard.",
        discussion: "Stops on SIGTERM/SIGINT after storing and committing the batch in hand. See docs/lookingglass.md.")

    @Option(help: "A config file with a <lookingglass> section (docs/configuration.md); options given here override it.")
    var config: String?

    @Option(help: "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]; repeatable.")
    var broker: [String] = []

    @Option(help: "The topic the relays publish to.")
    var topic = "dhcpkit.messages"

    @Option(help: "The Kafka consumer group; looking glasses in one group share the partitions.")
    var group = "dhcpkafka-lookingglass"

    @Option(help: "The SQLite database file (created when missing).")
    var db: String?

    @Option(help: "Where the dashboard listens, HOST:PORT. A non-loopback address needs --password-file or --no-auth.")
    var listen = "127.0.0.1:8080"

    @Option(help: "Require HTTP basic authentication against this bcrypt password file (htpasswd -B).")
    var passwordFile: String?

    @Flag(help: "Allow a non-loopback --listen address without authentication.")
    var noAuth = false

    @Option(help: "How to recognise DHCPKit's internal wrapper relay: auto, always or never.")
    var dhcpkitWrapper = "auto"

    @Option(help: "Transactions kept per client.")
    var keepPerClient = 1000

    @Option(help: "Days transactions are kept.")
    var keepDays = 30.0

    @Option(help: "Days lease history is kept after a lease ended.")
    var leaseDays = 400.0

    @Option(help: "The IEEE OUI list naming MAC vendors (Debian's ieee-data); shown only when the file is readable.")
    var ouiFile = OUIDirectory.debianPath

    @Option(help: "A librdkafka property for the consumer, NAME=VALUE (TLS, SASL); repeatable.")
    var kafkaProperty: [String] = []

    func validate() throws {
        // With a config file, the merged settings are checked in run().
        if config == nil { try check() }
    }

    /// Checks the settings (after the config file was merged).
    func check() throws {
        guard !broker.isEmpty else { throw ValidationError("Missing --broker HOST:PORT (or <send-to-kafka> broker in --config)") }
        guard let db, !db.isEmpty else { throw ValidationError("Missing --db FILE (or <lookingglass> db in --config)") }
        guard let (host, _) = Self.hostPort(listen) else {
            throw ValidationError("--listen must be HOST:PORT, like 127.0.0.1:8080 or [::1]:8080, not '\(listen)'")
        }
        guard Self.isLoopback(host) || noAuth || passwordFile != nil else {
            throw ValidationError(
                "--listen \(listen) is not a loopback address and the dashboard shows client identities: give "
                    + "--password-file FILE (bcrypt, made with htpasswd -B), or pass --no-auth to accept that anyone "
                    + "who reaches \(listen) sees everything.")
        }
        guard !(noAuth && passwordFile != nil) else {
            throw ValidationError("--no-auth and --password-file contradict each other: give one")
        }
        guard ClientLocation.WrapperMode(rawValue: dhcpkitWrapper) != nil else {
            throw ValidationError("--dhcpkit-wrapper must be auto, always or never")
        }
        guard keepPerClient > 0, keepDays > 0, leaseDays > 0 else {
            throw ValidationError("--keep-per-client, --keep-days and --lease-days must be positive")
        }
        for property in kafkaProperty where KafkaPropertySetting(option: property) == nil {
            throw ValidationError("--kafka-property takes NAME=VALUE, not '\(property)'")
        }
    }

    static func hostPort(_ text: String) -> (String, Int)? {
        guard let address = HostPort(text), !address.host.isEmpty else { return nil }
        return (address.host, Int(address.port))
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    func run() async throws {
        guard let config else { return try await serve() }
        // The file's settings become options in front of the command line's, which win (as `dhcpkafka run`).
        let file: ConfigFile
        do {
            let (parsed, issues) = try ConfigFile.read(path: config)
            guard issues.isEmpty else { throw ConfigError(issues) }
            file = parsed
        } catch {
            FileHandle.standardError.write(Data("dhcpkafka-lookingglass: invalid configuration\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        var arguments = Array(CommandLine.arguments.dropFirst())
        if let index = arguments.firstIndex(of: "--config") {
            arguments.removeSubrange(index...min(index + 1, arguments.count - 1))
        }
        arguments.removeAll { $0.hasPrefix("--config=") }
        let given = Set(arguments.filter { $0.hasPrefix("--") }.map { String($0.prefix { $0 != "=" }) })
        let effective = EffectiveConfiguration(file: file, command: .lookingglass, commandLineOptions: given)
        let merged = try Self.parse(effective.arguments + arguments)
        try merged.check()
        try await merged.serve()
    }

    func serve() async throws {
        guard let db else { throw ValidationError("Missing --db FILE") }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "dhcpkafka-lookingglass")
        let passwords = try passwordFile.map { path throws(PasswordFileError) in try PasswordFile(path: path) }
        let store = try SQLiteStore(path: db)
        let feed = LiveFeed()
        let properties = kafkaProperty.compactMap(KafkaPropertySetting.init(option:)).map { ($0.name, $0.value) }
        let configuration = CollectorConfiguration(
            brokers: broker.joined(separator: ","), topic: topic, group: group, properties: properties,
            wrapperMode: ClientLocation.WrapperMode(rawValue: dhcpkitWrapper) ?? .auto,
            retention: Retention(
                transactionsPerClient: keepPerClient, transactionAge: keepDays * 86400, leaseAge: leaseDays * 86400))
        let collector = try Collector(configuration: configuration, store: store, feed: feed, logger: logger)
        let counters = collector.counters
        let status = WebStatus(
            health: { Health.check(counters.snapshot) },
            metrics: { Metrics.text(counters.snapshot, store: store, feed: feed) },
            lag: { counters.snapshot.lag })
        guard let (host, port) = Self.hostPort(listen) else { throw ValidationError("bad --listen") }
        let notifier = SystemdNotifier.fromEnvironment()
        let app = Application(
            router: LookingGlassRoutes.router(
                store: store, feed: feed, status: status, passwords: passwords, vendors: OUIDirectory(path: ouiFile)),
            configuration: .init(address: .hostname(host, port: port), serverName: "dhcpkafka-lookingglass"),
            onServerRunning: { _ in
                logger.info("Looking glass listening on \(host):\(port)")
                FileHandle.standardOutput.write(Data("dhcpkafka-lookingglass: listening on http://\(listen)/\n".utf8))
                _ = notifier?.notify("READY=1\nSTATUS=Serving on \(listen)")
            },
            logger: logger)
        var services: [any Service] = [WorkerService(collector), app]
        if let notifier, notifier.watchdogInterval != nil {
            services.append(WatchdogService(
                notifier: notifier, healthy: { Health.check(counters.snapshot).healthy },
                status: { "stored \(counters.snapshot.inserted) transaction(s)" }))
        }
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        _ = notifier?.notify("STOPPING=1")
    }
}
