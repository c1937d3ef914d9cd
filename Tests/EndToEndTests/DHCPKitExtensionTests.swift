import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import Foundation
import Testing

/// DHCPKit 1.0.7 (`ipv6-dhcpd` from the venv) with our extension (deploy/dhcpkit, installed into the
/// venv by .ci/bootstrap) in the server namespace, workers running as nobody/nogroup, handing every
/// transaction to `dhcpkafka run`.
@Suite(.serialized, .heavy) struct DHCPKitExtensionTests {
    static let serverName = "dhcpkit-e2e"
    /// dhclient's DUID-LL (`-D LL`) from the client interface's MAC 02:00:00:00:c1:01.
    static let dhclientDUID = "0003000102000000c101"

    /// How many unit tests deploy/dhcpkit/tests holds today: fewer means tests were lost (a module
    /// that no longer imports is silently not discovered). Raise it when adding tests.
    static let packageUnitTestFloor = 16

    /// The extension's own Python unit tests: all of them run (none skipped, none lost) and pass.
    @Test func packageUnitTests() throws {
        let tests = TestPaths.repositoryRoot.appendingPathComponent("deploy/dhcpkit/tests").path
        let result = try runProcess(TestPaths.python, ["-m", "unittest", "discover", "-v", "-s", tests], timeout: 120)
        let output = result.stderrText
        #expect(result.status == 0, "deploy/dhcpkit unit tests failed:\n\(output)")
        let report = try #require(PythonUnittestReport(output), "no unittest summary in:\n\(output)")
        #expect(report.ran >= Self.packageUnitTestFloor, "ran \(report.ran) of at least \(Self.packageUnitTestFloor) tests:\n\(output)")
        #expect(report.skipped.isEmpty, "Python tests skipped (install what they need):\n\(report.skipped.joined(separator: "\n"))")
        #expect(report.passed, "\(output)")
    }

    @Test func everyTransactionOfRealAndScriptedClientsReachesKafka() throws {
        let relay = try RelayUnderTest()
        let network = try DHCPTestNetwork()
        defer { network.close() }
        let server = try DHCPKitServer(network: network, spoolSocket: relay.socket)

        // (a) ISC dhclient: Solicit/Advertise, Request/Reply for an address and a prefix.
        let dhclient = try Dhclient(network: network, directory: server.directory, options: ["-D", "LL"])
        _ = waitUntil(timeout: 120) { dhclient.leaseFile.contains("iaprefix") }
        let lease = dhclient.leaseFile
        #expect(lease.contains("iaaddr 2001:db8:1::100") && lease.contains("iaprefix 2001:db8:100::/56"),
                "dhclient got no lease from DHCPKit:\n\(dhclient.log)\n\(server.process.log)")
        dhclient.stop()
        let dhclientMessages = dhclient.transmitted

        // (b) the scripted client directly on the link, (c) relayed with interface-id and remote-id.
        let direct = try scripted(network, in: network.client, [
            "--mode", "direct", "--interface", DHCPTestNetwork.clientInterface, "--clients", "3", "--mac-byte", "1",
            "--link-local", network.linkLocalAddress(in: network.client, interface: DHCPTestNetwork.clientInterface),
        ])
        let relayed = try scripted(network, in: network.relay, ["--mode", "relay", "--clients", "3", "--mac-byte", "2"])
        let twoHops = try scripted(network, in: network.relay, ["--mode", "relay", "--hops", "2", "--clients", "1", "--mac-byte", "3"])
        let scriptedExchanges = direct + relayed + twoHops
        #expect(scriptedExchanges.count == 7 * 4 && scriptedExchanges.allSatisfy { $0.outgoing != nil },
                "DHCPKit left exchanges unanswered: \(scriptedExchanges)\n\(server.process.log)")

        let total = dhclientMessages + scriptedExchanges.count
        #expect(relay.waitForwarded(atLeast: total), "daemon stats: \(String(describing: try? relay.stats()))")
        let wrapped = try relay.frames(expected: total)
        #expect(wrapped.count == total, "one frame per transaction")
        // DHCPKit wraps what it receives in a relay-forw of its own naming the listening interface,
        // and its reply in a relay-repl; dhcpkit-kafka published them so and so do we. Neither is on the wire.
        let frames = wrapped.map { frame -> DHCPKafkaMessage in
            let (messageIn, interface) = Self.unwrap(frame.messageIn)
            let relayed = scriptedExchanges.contains { $0.duid == ScriptedTransaction(frame: frame).duid && $0.relayed }
            let listener = relayed ? DHCPTestNetwork.serverRelayInterface : DHCPTestNetwork.serverInterface
            #expect(interface == listener, "DHCPKit's own relay-forw names the interface it received on")
            var inner = frame
            inner.messageIn = messageIn
            inner.messageOut = Self.unwrap(frame.messageOut).message
            return inner
        }
        expectDelivered(scriptedExchanges, in: frames, serverName: Self.serverName)

        let dhclientFrames = frames.map(ScriptedTransaction.init(frame:)).filter { $0.duid == Self.dhclientDUID }
        #expect(dhclientFrames.count == dhclientMessages, "dhclient sent \(dhclientMessages): \(dhclientFrames)")
        #expect(dhclientFrames.contains {
            $0.outgoing == "reply" && $0.addresses == ["2001:db8:1::100"] && $0.prefixes == ["2001:db8:100::/56"]
        }, "the Reply dhclient bound to is in Kafka: \(dhclientFrames)")

        let counters = server.stop()
        #expect(counters["sent"] == total && counters.filter { $0.key.hasPrefix("dropped") }.values.allSatisfy { $0 == 0 },
                "worker counters at exit: \(counters)\n\(server.process.log)")
    }

    @Test func answersWithoutDaemonAndCountsDrops() throws {
        let network = try DHCPTestNetwork()
        defer { network.close() }
        let server = try DHCPKitServer(network: network, spoolSocket: nil)
        let exchanges = try scripted(network, in: network.client, [
            "--mode", "direct", "--interface", DHCPTestNetwork.clientInterface, "--clients", "2", "--mac-byte", "1",
            "--link-local", network.linkLocalAddress(in: network.client, interface: DHCPTestNetwork.clientInterface),
        ])
        #expect(exchanges.count == 8 && exchanges.allSatisfy { $0.outgoing != nil },
                "DHCPKit answers although no daemon listens: \(exchanges)\n\(server.process.log)")
        let counters = server.stop()
        #expect(counters["sent"] == 0 && counters["dropped_daemon_down"] == exchanges.count,
                "worker counters at exit: \(counters)\n\(server.process.log)")
        #expect(server.process.log.contains("unreachable"), "the outage is logged")
    }

    /// The message inside DHCPKit's own relay wrapper, and that wrapper's interface-id.
    static func unwrap(_ message: DHCPv6Message?) -> (message: DHCPv6Message?, interface: String?) {
        guard case .relay(let wrapper)? = message else { return (message, nil) }
        let interface = wrapper.options.lazy.compactMap { option -> String? in
            if case .interfaceID(let id) = option { return String(decoding: id, as: UTF8.self) }
            return nil
        }.first
        return (wrapper.relayedMessage, interface)
    }

    private func scripted(_ network: DHCPTestNetwork, in namespace: String, _ arguments: [String]) throws -> [ScriptedTransaction] {
        let script = TestPaths.interopScripts.appendingPathComponent("scripted_client.py").path
        let result = try network.run(in: namespace, TestPaths.python.path, [script] + arguments, timeout: 60)
        #expect(result.status == 0, "scripted client \(arguments): \(result.stderrText)")
        return try ScriptedTransaction.parse(result.stdoutText)
    }
}

/// `ipv6-dhcpd` in the server namespace: multicast on s-eth0, unicast 2001:db8:ff::1 for the relay,
/// static CSV assignments for dhclient and the scripted clients, our <send-to-kafka>.
final class DHCPKitServer {
    let directory: TemporaryDirectory
    let process: ChildProcess

    /// `spoolSocket` nil: a path where nothing listens.
    init(network: DHCPTestNetwork, spoolSocket: String?) throws {
        directory = try TemporaryDirectory(prefix: "dk-dhcpkit")
        chmod(directory.path, 0o755)  // the workers (nobody) run the interpreter from here if needed
        let python = try Self.interpreterForNobody(in: directory)
        var rows = ["id,address,prefix", "duid:\(DHCPKitExtensionTests.dhclientDUID),2001:db8:1::100,2001:db8:100::/56"]
        for macByte in 1...3 {
            for client in 0..<4 {
                rows.append(String(format: "duid:0003000102005c%02x00%02x,2001:db8:1::%x%02x,2001:db8:%x%02x::/48",
                                   macByte, client, macByte, client + 1, macByte, client + 1))
            }
        }
        try (rows.joined(separator: "\n") + "\n").write(toFile: directory.appending("assignments.csv"), atomically: true, encoding: .utf8)
        chmod(directory.appending("assignments.csv"), 0o644)  // DHCPKit reads it after dropping to nobody
        let config = """
            user nobody
            group nogroup
            workers 2
            pid-file \(directory.appending("dhcpkit.pid"))
            control-socket \(directory.appending("dhcpkit.sock"))
            <logging>
                <console>
                    level info
                </console>
            </logging>
            <listen-interface \(DHCPTestNetwork.serverInterface)>
            </listen-interface>
            <listen-unicast \(DHCPTestNetwork.serverRelayAddress)>
            </listen-unicast>
            <static-csv assignments.csv>
            </static-csv>
            <send-to-kafka>
                server-name \(DHCPKitExtensionTests.serverName)
                spool-socket \(spoolSocket ?? directory.appending("nobody-listens.sock"))
                broker legacy-broker:9092
            </send-to-kafka>

            """
        // (A relative CSV path: ZConfig lower-cases section names, and mkdtemp's suffix has capitals.)
        try config.write(toFile: directory.appending("dhcpkit.conf"), atomically: true, encoding: .utf8)
        // network.start clears the signal mask: with SIGCHLD blocked, as the test runner's children
        // inherit it, DHCPKit's forkserver never notices a worker exit and shutdown hangs in Pool.join().
        process = try network.start(
            in: network.server, python, ["-m", "dhcpkit.ipv6.server.main", directory.appending("dhcpkit.conf")],
            logPath: directory.appending("dhcpkit.log"))
        guard waitUntil(timeout: 120, { process.log.contains("ready to handle requests") || !process.process.isRunning }),
            process.process.isRunning
        else { throw SubprocessError(description: "DHCPKit did not start: \(process.log)") }
        // The legacy key is accepted and explained, not silently dropped.
        #expect(process.log.contains("broker ignored") && process.log.contains("--broker"), "\(process.log)")
    }

    /// SIGTERM; returns the sum of the workers' counters from their exit log lines.
    func stop() -> [String: Int] {
        process.signal(SIGTERM)
        #expect(process.wait(timeout: 60) == 0, "DHCPKit exits cleanly: \(process.log)")
        var sums: [String: Int] = [:]
        for line in process.log.split(separator: "\n") where line.contains("counters (at exit):") {
            for field in line.split(separator: ":").last!.split(separator: " ") {
                let pair = field.split(separator: "=")
                if pair.count == 2, let value = Int(pair[1]) { sums[String(pair[0]), default: 0] += value }
            }
        }
        return sums
    }

    /// The venv's interpreter if user nobody can run it; otherwise a venv in `directory` on Debian's
    /// /usr/bin/python3 whose .pth adds the project venv's site-packages (same Python minor version).
    /// DHCPKit starts its forkserver and workers with dropped privileges, so an interpreter under a
    /// directory nobody cannot search (pyenv under /root, mode 0700) fails with ModuleNotFoundError.
    static func interpreterForNobody(in directory: TemporaryDirectory) throws -> String {
        let runuser = URL(fileURLWithPath: "/usr/sbin/runuser")
        let venvPython = TestPaths.python.path
        if try runProcess(runuser, ["-u", "nobody", "--", venvPython, "-c", "import dhcpkafka_dhcpkit"]).status == 0 {
            return venvPython
        }
        let query = "import sys, sysconfig; print('%d.%d' % sys.version_info[:2], sysconfig.get_paths()['purelib'])"
        let venv = try runProcess(TestPaths.python, ["-c", query]).stdoutText.split(separator: " ")
        let system = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", query]).stdoutText.split(separator: " ")
        guard venv.count == 2, system.count == 2, venv[0] == system[0] else {
            throw SubprocessError(description: "nobody cannot run \(venvPython), and /usr/bin/python3 is another Python version")
        }
        let target = directory.appending("nobody-venv")
        let made = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-m", "venv", "--without-pip", target])
        guard made.status == 0 else { throw SubprocessError(description: "venv: \(made.stderrText)") }
        let purelib = try runProcess(URL(fileURLWithPath: target + "/bin/python"), ["-c", query]).stdoutText.split(separator: " ")[1]
        try (String(venv[1]).trimmingCharacters(in: .whitespacesAndNewlines) + "\n")
            .write(toFile: purelib.trimmingCharacters(in: .whitespacesAndNewlines) + "/project-venv.pth", atomically: true, encoding: .utf8)
        let check = try runProcess(runuser, ["-u", "nobody", "--", target + "/bin/python", "-c", "import dhcpkafka_dhcpkit"])
        guard check.status == 0 else {
            throw SubprocessError(description: "dhcpkafka_dhcpkit not importable as nobody (run .ci/bootstrap): \(check.stderrText)")
        }
        return target + "/bin/python"
    }
}

/// What `python -m unittest -v` reported: how many tests ran, which were skipped and why, and whether
/// the run ended in a plain "OK" (not "OK (skipped=N)", not "FAILED").
struct PythonUnittestReport {
    /// N of "Ran N tests".
    let ran: Int
    /// The verbose lines of skipped tests ("test_x (module.Class.test_x) ... skipped 'reason'").
    let skipped: [String]
    /// The last line is exactly "OK".
    let passed: Bool

    /// Parses unittest's standard error; `nil` without a "Ran N test(s)" line.
    init?(_ output: String) {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let summary = lines.last(where: { $0.hasPrefix("Ran ") && $0.contains(" test") }),
            let count = Int(summary.dropFirst(4).prefix { $0.isNumber })
        else { return nil }
        ran = count
        skipped = lines.filter { $0.contains(" ... skipped") || $0.hasPrefix("skipped ") }
        passed = lines.last { !$0.isEmpty } == "OK"
    }
}

/// The check above rejects the outputs a plain `contains("OK")` accepted.
@Suite struct PythonUnittestReportTests {
    @Test func rejectsEmptySkippedAndFailedRuns() throws {
        let none = try #require(PythonUnittestReport("\n----------------------------------------------------------------------\nRan 0 tests in 0.000s\n\nOK\n"))
        #expect(none.ran == 0 && none.passed, "zero tests is parsed as zero, which the floor rejects")
        let skipped = try #require(PythonUnittestReport(
            "test_a (t.T.test_a) ... ok\ntest_b (t.T.test_b) ... skipped 'dhcpkit-kafka not installed'\n\nRan 2 tests in 0.1s\n\nOK (skipped=1)\n"))
        #expect(skipped.ran == 2 && !skipped.passed && skipped.skipped == ["test_b (t.T.test_b) ... skipped 'dhcpkit-kafka not installed'"])
        let failed = try #require(PythonUnittestReport("Ran 16 tests in 0.9s\n\nFAILED (failures=1)\n"))
        #expect(failed.ran == 16 && !failed.passed)
        #expect(PythonUnittestReport("Traceback: no tests collected\n") == nil)
        let good = try #require(PythonUnittestReport("test_a (t.T.test_a) ... ok\n\nRan 16 tests in 0.9s\n\nOK\n"))
        #expect(good.ran == 16 && good.passed && good.skipped.isEmpty)
    }
}
