import DHCPKafkaSink
import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import Foundation
import JSONValue
import Testing

/// The relay side of an end-to-end test: librdkafka's mock cluster (a Kafka-protocol broker over
/// TCP), and `dhcpkafka run` with its socket and spool in a temporary directory that DHCP workers
/// running as `nobody` can reach (mode 0755 directory, socket mode 0666).
final class RelayUnderTest {
    let directory: TemporaryDirectory
    let cluster: MockCluster
    let socket: String
    let spool: String
    /// The running daemon (a new one after ``restartDaemon()``).
    private(set) var daemon: ChildProcess
    private var starts = 0

    init() throws {
        directory = try TemporaryDirectory(prefix: "dk-e2e")
        chmod(directory.path, 0o755)
        socket = directory.appending("ingest.sock")
        spool = directory.appending("spool")
        cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3, replicationFactor: 1)
        daemon = try Self.startDaemon(socket: socket, spool: spool, broker: cluster.bootstrapServers, log: directory.appending("daemon.log"))
    }

    private static func startDaemon(socket: String, spool: String, broker: String, log: String) throws -> ChildProcess {
        let daemon = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--socket", socket, "--spool", spool, "--socket-mode", "0666", "--broker", broker],
            logPath: log)
        guard waitUntil(timeout: 60, { socketExists(socket) || !daemon.process.isRunning }), daemon.process.isRunning else {
            throw SubprocessError(description: "daemon did not start: \(daemon.log)")
        }
        return daemon
    }

    /// Stops the daemon with SIGTERM (it removes its socket) and waits for a clean exit.
    func stopDaemon() throws {
        daemon.signal(SIGTERM)
        guard daemon.wait(timeout: 60) == 0 else { throw SubprocessError(description: "daemon did not stop: \(daemon.log)") }
    }

    /// Starts a new daemon on the same socket, spool and broker, as a restart does.
    func restartDaemon() throws {
        starts += 1
        daemon = try Self.startDaemon(
            socket: socket, spool: spool, broker: cluster.bootstrapServers, log: directory.appending("daemon-\(starts).log"))
    }

    deinit {
        daemon.killHard()
        cluster.close()
    }

    /// `dhcpkafka spool stats --json`.
    func stats() throws -> JSONValue {
        let result = try runProcess(TestPaths.dhcpkafka, ["spool", "stats", "--spool", spool, "--json", "--interval", "0"])
        guard result.status == 0 else { throw SubprocessError(description: "spool stats failed: \(result.stderrText)") }
        return try JSONValue.parse(result.stdoutText)
    }

    /// Waits until the daemon accepted at least `frames` frames and forwarded everything it holds;
    /// returns whether that happened within `timeout` seconds.
    func waitForwarded(atLeast frames: Int, timeout: Double = 120) -> Bool {
        waitUntil(timeout: timeout) {
            guard let stats = try? stats() else { return false }
            let accepted = stats["accepted"]?.intValue ?? 0
            return accepted >= frames && stats["stored_frames"]?.intValue == 0 && stats["forwarded"]?.intValue == accepted
        }
    }

    /// Every frame in the topic, decoded (after ``waitForwarded(atLeast:timeout:)``).
    func frames(expected: Int, timeout: Double = 120) throws -> [DHCPKafkaMessage] {
        let consumer = try KafkaConsumer(bootstrapServers: cluster.bootstrapServers)
        defer { consumer.close() }
        try consumer.assign(topic: "dhcpkit.messages", partitions: [0, 1, 2], fromBeginning: true)
        var values: [[UInt8]] = []
        let start = Date()
        var last = start
        while Date().timeIntervalSince(start) < timeout, values.count < expected || Date().timeIntervalSince(last) < 1 {
            guard let record = try consumer.poll(timeoutMs: 100) else { continue }
            last = Date()
            values.append(record.value)
        }
        return try values.map { value in
            let decoded = try KafkaMessageRegistry.standard.decodeFrame(value)
            return try #require(decoded as? DHCPKafkaMessage, "a record that is not a DHCPKafkaMessage: \(decoded)")
        }
    }
}

/// One exchange a scripted client (Tests/interop-python/scripted_client.py) performed, as it printed it.
struct ScriptedTransaction: Equatable, CustomStringConvertible {
    var incoming: String
    var outgoing: String?
    var duid: String
    var transactionID: String
    var relayed: Bool
    var addresses: [String]
    var prefixes: [String]
    var interfaceID: String?
    var remoteID: String?

    init(_ json: JSONValue) throws {
        incoming = try #require(json["in"]?.stringValue)
        outgoing = json["out"]?.stringValue
        duid = try #require(json["duid"]?.stringValue)
        transactionID = try #require(json["xid"]?.stringValue)
        relayed = json["relayed"] == .bool(true)
        addresses = (json["addresses"]?.arrayValue ?? []).compactMap(\.stringValue)
        prefixes = (json["prefixes"]?.arrayValue ?? []).compactMap(\.stringValue)
        interfaceID = json["interface_id"]?.stringValue
        remoteID = json["remote_id"]?.stringValue
    }

    /// The same description built from a frame, for comparison.
    init(frame: DHCPKafkaMessage) {
        let query = frame.messageIn
        let inner = query?.innermostMessage
        incoming = inner.map { Self.name($0.messageType) } ?? "none"
        outgoing = frame.messageOut.map { Self.name($0.innermostMessage.messageType) }
        duid = query?.clientDUID?.bytes.map { String(format: "%02x", $0) }.joined() ?? ""
        if case .clientServer(let message)? = inner {
            transactionID = String(format: "%06x", message.transactionID)
        } else {
            transactionID = ""
        }
        relayed = !(query?.relayChain.isEmpty ?? true)
        let leases = frame.messageOut?.assignedLeases ?? []
        addresses = leases.filter { $0.kind == .address }.map { "\($0.address)" }
        prefixes = leases.filter { $0.kind == .prefix }.map { "\($0.address)/\($0.prefixLength)" }
        interfaceID = query?.interfaceID.map { $0.map { String(format: "%02x", $0) }.joined() }
        remoteID = query?.remoteID.map { $0.remoteID.map { String(format: "%02x", $0) }.joined() }
    }

    /// Parses the JSON lines a scripted client printed.
    static func parse(_ output: String) throws -> [ScriptedTransaction] {
        try output.split(separator: "\n").map { try ScriptedTransaction(JSONValue.parse(String($0))) }
    }

    static func name(_ type: MessageType) -> String {
        let names: [UInt8: String] = [
            1: "solicit", 2: "advertise", 3: "request", 4: "confirm", 5: "renew", 6: "rebind", 7: "reply",
            8: "release", 9: "decline", 11: "information-request",
        ]
        return names[type.rawValue] ?? String(type.rawValue)
    }

    var description: String {
        "\(incoming)->\(outgoing ?? "none") duid \(duid) xid \(transactionID)\(relayed ? " relayed" : "") \(addresses) \(prefixes)"
    }
}

/// Checks that every transaction the scripted client saw answered is in Kafka exactly as the client
/// saw it (message types, client DUID, transaction id, relay options, assigned addresses and prefixes).
func expectDelivered(_ transactions: [ScriptedTransaction], in frames: [DHCPKafkaMessage], serverName: String) {
    let delivered = frames.map(ScriptedTransaction.init(frame:))
    for frame in frames { #expect(frame.serverName == serverName) }
    for transaction in transactions where transaction.outgoing != nil {
        #expect(delivered.contains(transaction), "not in Kafka: \(transaction)\ndelivered: \(delivered)")
    }
}

/// ISC dhclient -6 in the foreground in the client namespace, asking for an address and a prefix
/// (`-N -P`), as Fixtures/tools/capture.sh runs it; its configuration, lease, pid and log files
/// live in `directory`.
final class Dhclient {
    let process: ChildProcess
    let leasePath: String
    private let network: DHCPTestNetwork
    private let arguments: [String]
    private var releaseOutput = ""

    /// Starts dhclient with `options` (e.g. `-D LL`) and `config` as its dhclient.conf.
    init(network: DHCPTestNetwork, directory: TemporaryDirectory, options: [String] = [], config: String = "") throws {
        self.network = network
        leasePath = directory.appending("dhclient.leases")
        try config.write(toFile: directory.appending("dhclient.conf"), atomically: true, encoding: .utf8)
        arguments = ["-6", "-v", "-cf", directory.appending("dhclient.conf"), "-sf", "/bin/true", "-lf", leasePath,
                     "-pf", directory.appending("dhclient.pid"), "-N", "-P"] + options
        process = try network.start(
            in: network.client, "/usr/sbin/dhclient", arguments + ["-d", DHCPTestNetwork.clientInterface],
            logPath: directory.appending("dhclient.log"))
    }

    /// Its log so far.
    var log: String { process.log }

    /// The lease file's contents so far.
    var leaseFile: String { (try? String(contentsOfFile: leasePath, encoding: .utf8)) ?? "" }

    /// SIGTERMs dhclient; returns whether it exited within 5 s (it is SIGKILLed otherwise).
    @discardableResult
    func stop() -> Bool {
        process.signal(SIGTERM)
        guard process.wait(timeout: 60) != nil else {
            process.killHard()
            return false
        }
        return true
    }

    /// Runs `dhclient -r` (after ``stop()``): releases the lease.
    func release() throws -> ProcessResult {
        let result = try network.run(
            in: network.client, "/usr/sbin/dhclient", arguments + ["-r", DHCPTestNetwork.clientInterface], timeout: 60)
        releaseOutput = result.stdoutText + result.stderrText
        return result
    }

    /// Messages dhclient sent so far, including ``release()``'s: each is a transaction at the server.
    /// `XMT: Solicit on c-eth0, interval 1000ms.`: one line per message (option lines are `XMT:  X-- ...`).
    var transmitted: Int {
        (log + releaseOutput).split(separator: "\n").filter {
            $0.range(of: #"XMT: [A-Z][a-z]+ on "#, options: .regularExpression) != nil
        }.count
    }
}

/// ISC dhclient's lease file (`-lf`): the client DUID and what the server assigned.
struct DhclientLease {
    var clientDUID: String
    var addresses: [String]
    var prefixes: [String]

    init(leaseFile text: String) throws {
        func values(after keyword: String) -> [String] {
            text.split(separator: "\n").compactMap { line in
                let words = line.split(separator: " ")
                guard let at = words.firstIndex(of: Substring(keyword)), at + 1 < words.count else { return nil }
                return String(words[at + 1]).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
            }
        }
        // `option dhcp6.client-id 0:1:0:1:...;` writes bytes as colon-separated hex without padding.
        let id = try #require(values(after: "dhcp6.client-id").last, "no client-id in the lease file:\n\(text)")
        clientDUID = id.split(separator: ":").map { $0.count == 1 ? "0" + $0 : String($0) }.joined()
        addresses = Array(Set(values(after: "iaaddr"))).sorted()
        prefixes = Array(Set(values(after: "iaprefix"))).sorted()
    }
}
