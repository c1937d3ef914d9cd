import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// The Kea hook's build products (deploy/kea), built once per test run with `make` (a no-op when
/// `.ci/bootstrap` already built them).
enum KeaHookBuild {
    static let directory = TestPaths.repositoryRoot.appendingPathComponent("deploy/kea")
    static var library: String { directory.appendingPathComponent("libdhcp_dhcpkafka.so").path }
    static var encoder: URL { directory.appendingPathComponent("test/encode_frames") }
    /// The sender's drop-accounting driver (`sender_check PATH FRAMES [UID]`).
    static var senderCheck: URL { directory.appendingPathComponent("test/sender_check") }

    private static let result: Result<Void, SubprocessError> = {
        do {
            let made = try runProcess(URL(fileURLWithPath: "/usr/bin/make"), ["-C", directory.path, "all", "check-tools"])
            guard made.status == 0 else {
                return .failure(SubprocessError(description: "make -C deploy/kea failed:\n\(made.stdoutText)\(made.stderrText)"))
            }
            return .success(())
        } catch {
            return .failure(SubprocessError(description: "cannot run make: \(error)"))
        }
    }()

    /// Builds the hook and the encoder driver, or throws make's output.
    static func ensureBuilt() throws { try result.get() }
}

/// kea-dhcp6 running in the test network's server namespace with the DHCPKafka hook, configured
/// from Fixtures/pcap/kea-dhcp6.json (the captures' topology), with a control socket for statistics.
final class KeaServer {
    let process: ChildProcess
    let logPath: String
    let controlSocket: String

    /// Starts Kea with the hook writing to `socket` as `serverName`; waits for DHCP6_STARTED.
    init(network: DHCPTestNetwork, directory: TemporaryDirectory, socket: String, serverName: String) throws {
        try KeaHookBuild.ensureBuilt()
        logPath = directory.appending("kea.log")
        controlSocket = directory.appending("kea.ctl")
        let fixture = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("pcap/kea-dhcp6.json"))
        var root = try #require(JSONSerialization.jsonObject(with: fixture) as? [String: Any])
        var dhcp6 = try #require(root["Dhcp6"] as? [String: Any])
        dhcp6["lease-database"] = ["type": "memfile", "persist": true, "name": directory.appending("leases6.csv"), "lfc-interval": 0]
        // Short timers so dhclient renews within the test.
        dhcp6["renew-timer"] = 2
        dhcp6["rebind-timer"] = 3
        dhcp6["preferred-lifetime"] = 5
        dhcp6["valid-lifetime"] = 8
        // Worker threads, as Kea 2.4+ runs by default: the hook's sender is shared between them.
        dhcp6["multi-threading"] = ["enable-multi-threading": true, "thread-pool-size": 2, "packet-queue-size": 64]
        dhcp6["control-socket"] = ["socket-type": "unix", "socket-name": controlSocket]
        dhcp6["hooks-libraries"] = [
            ["library": KeaHookBuild.library, "parameters": ["socket": socket, "server-name": serverName]]
        ]
        dhcp6["loggers"] = [["name": "kea-dhcp6", "severity": "INFO", "output_options": [["output": logPath]]]]
        root["Dhcp6"] = dhcp6
        let configPath = directory.appending("kea-dhcp6.json")
        try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: configPath))
        process = try network.start(
            in: network.server, "/usr/sbin/kea-dhcp6", ["-c", configPath], logPath: directory.appending("kea.out"),
            environment: ["KEA_PIDFILE_DIR": directory.path, "KEA_LOCKFILE_DIR": directory.path])
        guard waitUntil(timeout: 120, { log.contains("DHCP6_STARTED") || !process.process.isRunning }),
            process.process.isRunning
        else {
            throw SubprocessError(description: "kea-dhcp6 did not start:\n\(log)\n\(process.log)")
        }
    }

    /// Kea's log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends `{"command": name, "arguments": ...}` to Kea's control socket; returns the answer's arguments.
    func command(_ name: String, arguments: String = "{}") throws -> JSONValue {
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode()); s.shutdown(socket.SHUT_WR)
            print(b''.join(iter(lambda: s.recv(65536), b'')).decode())
            """
        let request = "{\"command\": \"\(name)\", \"arguments\": \(arguments)}"
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, controlSocket, request], timeout: 60)
        let answer = try JSONValue.parse(result.stdoutText)
        guard result.status == 0, answer["result"]?.intValue == 0, let values = answer["arguments"] else {
            throw SubprocessError(description: "Kea command \(name) failed: \(result.stdoutText)\(result.stderrText)")
        }
        return values
    }

    /// A Kea statistic's current value (e.g. `pkt6-received`).
    func statistic(_ name: String) throws -> Int {
        let values = try command("statistic-get", arguments: "{\"name\": \"\(name)\"}")
        return Int(values[name]?.arrayValue?.first?.arrayValue?.first?.intValue ?? 0)
    }

    /// The hook's counters (`dhcpkafka-stats`).
    func hookCounters() throws -> [String: Int] {
        let values = try command("dhcpkafka-stats")
        var counters: [String: Int] = [:]
        for key in ["sent", "dropped-queue-full", "dropped-daemon-down", "dropped-too-large", "dropped-other", "dropped-permission-denied"] {
            counters[key] = values[key]?.intValue.map(Int.init)
        }
        return counters
    }

    /// SIGTERMs Kea (which unloads the hook) and waits for it; returns its log.
    func stop() -> String {
        process.signal(SIGTERM)
        process.wait(timeout: 60)
        return log
    }
}
