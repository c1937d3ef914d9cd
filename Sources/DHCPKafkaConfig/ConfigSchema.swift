/// Every section and key of the config file. The parser accepts exactly these, `check-config`
/// shows them in this order, and docs/configuration.md is generated from this table.
public enum ConfigSchema {
    /// The section names, in the order of the reference.
    public static let sections = ["send-to-kafka", "socket", "spool", "forwarder", "metrics", "logging", "lookingglass"]

    /// What each section is for, for the reference.
    public static let sectionHelp: [String: String] = [
        "send-to-kafka": "Where the records go: the keys and defaults of DHCPKit's `<send-to-kafka>` section.",
        "socket": "The Unix datagram socket the DHCP servers write their frames to, and who may write.",
        "spool": "The on-disk spool that holds frames until Kafka acknowledged them (see docs/spool.md).",
        "forwarder": "How the forwarder publishes the spool to Kafka (see docs/forwarder.md).",
        "metrics": "The Prometheus endpoint.",
        "logging": "What the daemon and its forwarder log (to standard error).",
        "lookingglass": "The looking glass, `dhcpkafka-lookingglass --config FILE` (see docs/lookingglass.md); the relay "
            + "ignores this section. It reads the brokers and topic of `<send-to-kafka>` and the `kafka-property` lines of `<forwarder>` (TLS, SASL; "
            + "producer-only properties are ignored by its consumer).",
    ]

    /// The log levels, least to most severe (swift-log's names).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Every key.
    public static let keys: [ConfigKey] = sendToKafka + socket + spool + forwarder + lookingGlass + [
        ConfigKey(
            "metrics", "listen", .listenAddress, default: nil, defaultDescription: "disabled", reload: .daemonRestart,
            option: "--metrics-listen",
            help: "Serve Prometheus metrics over HTTP on this address (`127.0.0.1:9464`, `[::1]:9464`)."),
        ConfigKey(
            "logging", "level", .choice(logLevels), default: "info", reload: .live, option: "--log-level",
            commands: [.run, .forward], help: "The least severe level that is logged."),
    ]

    private static let lookingGlass = [
        ConfigKey(
            "lookingglass", "db", .path, default: nil, defaultDescription: "required", reload: .daemonRestart,
            option: "--db", commands: [.lookingglass], help: "The SQLite database file (created when missing)."),
        ConfigKey(
            "lookingglass", "listen", .hostPort, default: "127.0.0.1:8080", reload: .daemonRestart, option: "--listen",
            commands: [.lookingglass],
            help: "Where the dashboard and API listen; a non-loopback address needs `password-file`."),
        ConfigKey(
            "lookingglass", "group", .text, default: "dhcpkafka-lookingglass", reload: .daemonRestart, option: "--group",
            commands: [.lookingglass], help: "The Kafka consumer group; looking glasses in one group share the partitions."),
        ConfigKey(
            "lookingglass", "password-file", .path, default: nil, defaultDescription: "no authentication",
            reload: .daemonRestart, option: "--password-file", commands: [.lookingglass],
            help: "HTTP basic authentication against this bcrypt password file (`htpasswd -B`)."),
        ConfigKey(
            "lookingglass", "dhcpkit-wrapper", .choice(["auto", "always", "never"]), default: "auto",
            reload: .daemonRestart, option: "--dhcpkit-wrapper", commands: [.lookingglass],
            help: "How DHCPKit's internal wrapper relay is recognised (docs/lookingglass.md, \"Clients\")."),
        ConfigKey(
            "lookingglass", "keep-per-client", .positiveCount, default: "1000", reload: .daemonRestart,
            option: "--keep-per-client", commands: [.lookingglass], help: "Transactions kept per client."),
        ConfigKey(
            "lookingglass", "keep-days", .positiveCount, default: "30", reload: .daemonRestart, option: "--keep-days",
            commands: [.lookingglass], help: "Days transactions are kept."),
        ConfigKey(
            "lookingglass", "lease-days", .positiveCount, default: "400", reload: .daemonRestart, option: "--lease-days",
            commands: [.lookingglass], help: "Days a lease interval is kept after it ended."),
    ]

    private static let sendToKafka = [
        ConfigKey(
            "send-to-kafka", "broker", .hostPort, default: "localhost:9092", multiple: true, reload: .daemonRestart,
            option: "--broker", commands: [.run, .forward, .lookingglass],
            help: "A Kafka bootstrap broker; repeat the key for more. IPv6 as `[2001:db8::1]:9092`."),
        ConfigKey(
            "send-to-kafka", "topic", .text, default: "dhcpkit.messages", reload: .daemonRestart, option: "--topic",
            commands: [.run, .forward, .lookingglass], help: "The Kafka topic to publish on: 1-255 characters of `A-Z a-z 0-9 . _ -`."),
        ConfigKey(
            "send-to-kafka", "server-name", .text, default: nil, defaultDescription: "this host's FQDN",
            reload: .daemonRestart, option: "--server-name", commands: [.run, .forward],
            help: "The name of this server on the records the relay makes itself (gap records)."),
        ConfigKey(
            "send-to-kafka", "source-address", .text, default: nil, defaultDescription: "the kernel's choice",
            reload: .daemonRestart, option: "--source-address", commands: [.run, .forward],
            help: "The local IPv4 or IPv6 address to connect to the brokers from."),
    ]

    private static let socket = [
        ConfigKey(
            "socket", "path", .path, default: "var/dhcpkafka.sock", reload: .daemonRestart, option: "--socket",
            help: "The Unix datagram socket to receive frames on (production: `/run/dhcpkafka/ingest.sock`). Its directory "
                + "must exist (systemd makes it with `RuntimeDirectory=`). The relative default is used only in a "
                + "development checkout; elsewhere `run` needs this path set."),
        ConfigKey(
            "socket", "mode", .fileMode, default: "0660", reload: .daemonRestart, option: "--socket-mode",
            help: "File mode of the socket file."),
        ConfigKey(
            "socket", "group", .group, default: nil, defaultDescription: "the daemon's group", reload: .daemonRestart,
            option: "--socket-group", help: "Group that owns the socket file; the DHCP workers must be in it."),
        ConfigKey(
            "socket", "allow-uid", .numericID, default: nil, defaultDescription: "anyone who can open the socket",
            multiple: true, reload: .daemonRestart, option: "--allow-uid",
            help: "Accept frames only from this user id (repeat for more; with `allow-gid`: either matches)."),
        ConfigKey(
            "socket", "allow-gid", .numericID, default: nil, defaultDescription: "anyone who can open the socket",
            multiple: true, reload: .daemonRestart, option: "--allow-gid",
            help: "Accept frames only from senders in this group, primary or supplementary (repeat for more). "
                + "Supplementary groups are read from `/proc/PID/status` while the sender runs."),
    ]

    private static let spool = [
        ConfigKey(
            "spool", "path", .path, default: "var/spool", reload: .daemonRestart, option: "--spool",
            commands: [.run, .forward],
            help: "The spool directory (production: `/var/lib/dhcpkafka/spool`): new, empty or a spool; anything else is "
                + "refused. The relative default is used only in a development checkout; elsewhere `run` needs this path set."),
        ConfigKey(
            "spool", "capacity", .byteSize, default: "1G", reload: .daemonRestart, option: "--capacity",
            help: "Stored bytes at most (64K or more); beyond it the oldest frames are evicted (and counted)."),
        ConfigKey(
            "spool", "max-frames", .positiveCount, default: nil, defaultDescription: "no limit", reload: .daemonRestart,
            option: "--max-frames", help: "An optional limit on the number of stored frames."),
        ConfigKey(
            "spool", "durability", .durability, default: "sync", reload: .daemonRestart, option: "--durability",
            help: "`sync` (every commit on disk before frames count as accepted), `nometasync`, or `periodic:SECONDS`."),
    ]

    private static let forwarder = [
        ConfigKey(
            "forwarder", "backoff-min", .seconds(allowZero: false), default: "0.1", reload: .forwarderRestart,
            option: "--backoff-min", commands: [.run, .forward], help: "Shortest retry delay after a failure, in seconds."),
        ConfigKey(
            "forwarder", "backoff-max", .seconds(allowZero: false), default: "30", reload: .forwarderRestart,
            option: "--backoff-max", commands: [.run, .forward],
            help: "Longest retry delay, in seconds; at least `backoff-min`."),
        ConfigKey(
            "forwarder", "max-in-flight-frames", .positiveCount, default: "10000", reload: .forwarderRestart,
            option: "--max-in-flight-frames", commands: [.run, .forward],
            help: "Most records produced but not yet acknowledged."),
        ConfigKey(
            "forwarder", "max-in-flight-bytes", .byteSize, default: "8M", reload: .forwarderRestart,
            option: "--max-in-flight-bytes", commands: [.run, .forward], help: "Most frame bytes in flight."),
        ConfigKey(
            "forwarder", "key", .choice(["client-duid", "server-name", "none"]), default: "client-duid",
            reload: .forwarderRestart, option: "--key", commands: [.run, .forward],
            help: "The record key: `client-duid` keeps one client's transactions in order, `server-name` one server's."),
        ConfigKey(
            "forwarder", "kafka-property", .kafkaProperty, default: nil, defaultDescription: "none", multiple: true,
            secret: true, reload: .forwarderRestart, option: "--kafka-property", commands: [.run, .forward, .lookingglass],
            help: "Any librdkafka property (TLS, SASL, compression, …); repeat for more. "
                + "Values of secret properties (passwords, keys, tokens) are never shown; keep them in a "
                + "`kafka-property-file` or a systemd credential instead (see Secrets below)."),
        ConfigKey(
            "forwarder", "kafka-property-file", .path, default: nil, defaultDescription: "none", multiple: true,
            reload: .forwarderRestart, option: "--kafka-property-file", commands: [.run, .forward],
            help: "A file of librdkafka properties, one `name=value` per line (`#` comments), read by the daemon "
                + "and its forwarder; for secrets: make it readable only by the daemon (0640 root:dhcpkafka). "
                + "Read before `kafka-property`, which wins; SIGHUP re-reads it."),
        ConfigKey(
            "forwarder", "message-timeout", .seconds(allowZero: false), default: "120", reload: .forwarderRestart,
            option: "--message-timeout", commands: [.run, .forward],
            help: "Seconds librdkafka retries a record before the forwarder backs off and produces it again."),
        ConfigKey(
            "forwarder", "shutdown-timeout", .seconds(allowZero: true), default: "10", reload: .forwarderRestart,
            option: "--shutdown-timeout", commands: [.run, .forward],
            help: "On SIGTERM, seconds to wait for records in flight to be acknowledged, and (run) to retry spool "
                + "commits that fail before the frames held in memory are given up (counted, exit 1)."),
        ConfigKey(
            "forwarder", "on-destination-error", .choice(["retry", "dead-letter"]), default: "retry",
            reload: .forwarderRestart, option: "--on-destination-error", commands: [.run, .forward],
            help: "When Kafka rejects the topic itself: `retry` (keep the frames) or `dead-letter`."),
    ]

    /// The key `name` in `section`, if there is one.
    public static func key(_ section: String, _ name: String) -> ConfigKey? {
        keys.first { $0.section == section && $0.name == name }
    }

    /// The key whose command-line option is `option` (`--topic`), if there is one.
    public static func key(option: String) -> ConfigKey? { keys.first { $0.option == option } }

    /// The keys of one section, in reference order.
    public static func keys(in section: String) -> [ConfigKey] { keys.filter { $0.section == section } }
}
