import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPKafkaWriter
import DHCPv6
import Foundation
import JSONValue
import Testing

/// The Kea DHCPv6 hook (deploy/kea): its C++ encoder against the Swift FrameEncoder byte for byte,
/// and real kea-dhcp6 in network namespaces serving dhclient, scripted clients and a relay.
@Suite(.serialized, .heavy) struct KeaHookTests {
    // MARK: encoder

    /// One transaction as the encoder driver takes it.
    struct Parts {
        var name: [UInt8]
        var timestampIn: Double
        var messageIn: [UInt8]?
        var timestampOut: Double
        var messageOut: [UInt8]?

        var line: String {
            func bits(_ value: Double) -> String { String(value.bitPattern, radix: 16).leftPadded(to: 16) }
            return [hexString(name), bits(timestampIn), messageIn.map(hexString) ?? "-", bits(timestampOut),
                    messageOut.map(hexString) ?? "-"].joined(separator: "\t")
        }

        /// The Swift encoder's frame as hex, or "too-large".
        var swiftFrame: String {
            let frame = FrameEncoder.encode(
                serverName: String(decoding: name, as: UTF8.self), messageIn: messageIn, timestampIn: timestampIn,
                messageOut: messageOut, timestampOut: timestampOut)
            return frame.map(hexString) ?? "too-large"
        }
    }

    /// The parts of a fixture frame (dhcpkit-kafka's own encoding), decoded by the wire module; its
    /// messages serialize back to the bytes they were decoded from (FrameEncoderTests).
    static func parts(ofFixtureFrame frame: [UInt8]) throws -> Parts {
        let decoded = try #require(try KafkaMessageRegistry.standard.decodeFrame(frame) as? DHCPKafkaMessage)
        return Parts(
            name: Array(decoded.serverName.utf8), timestampIn: decoded.timestampIn, messageIn: decoded.messageIn?.serialized(),
            timestampOut: decoded.timestampOut, messageOut: decoded.messageOut?.serialized())
    }

    /// Runs the C++ encoder driver over `inputs`; one output line per input.
    static func encodeWithHook(_ inputs: [Parts]) throws -> [String] {
        try KeaHookBuild.ensureBuilt()
        let input = inputs.map(\.line).joined(separator: "\n") + "\n"
        let result = try runProcess(KeaHookBuild.encoder, [], stdin: Array(input.utf8))
        try #require(result.status == 0, "encode_frames failed: \(result.stderrText)")
        return result.stdoutText.split(separator: "\n").map(String.init)
    }

    @Test func hookEncoderMatchesSwiftOnFixtureFrames() throws {
        let directory = TestPaths.fixtures.appendingPathComponent("frames")
        var fixtures: [[UInt8]] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".hex") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            fixtures += text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { hexBytes(String($0)) }
        }
        // Type-1 frames only (the fixtures also hold frames of other Kafka message types).
        fixtures = fixtures.filter { $0.first == 1 }
        try #require(fixtures.count >= 20, "DHCPKafkaMessage fixture frames found: \(fixtures.count)")
        let inputs = try fixtures.map(Self.parts(ofFixtureFrame:))
        let hook = try Self.encodeWithHook(inputs)
        try #require(hook.count == fixtures.count)
        for (index, fixture) in fixtures.enumerated() {
            #expect(hook[index] == hexString(fixture), "C++ differs from dhcpkit-kafka on fixture \(index)")
            #expect(hook[index] == inputs[index].swiftFrame, "C++ differs from Swift on fixture \(index)")
        }
    }

    @Test func hookEncoderMatchesSwiftOnEdgeAndRandomInputs() throws {
        var random = SplitMix64(seed: 0x6B65_6121)
        let specials: [Double] = [0, -0.0, .nan, Double(bitPattern: 0x7FF8_0000_DEAD_BEEF), .infinity, -.infinity,
                                  .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1_795_564_078.768_98]
        var inputs: [Parts] = [
            Parts(name: [], timestampIn: 0, messageIn: nil, timestampOut: 0, messageOut: nil),
            Parts(name: Array(repeating: 0x61, count: 255), timestampIn: 1, messageIn: [1, 2, 3], timestampOut: 2, messageOut: nil),
            Parts(name: Array("dhcp-ü-✓".utf8), timestampIn: 1, messageIn: nil, timestampOut: 2, messageOut: [7]),
            Parts(name: [0x78], timestampIn: 3, messageIn: random.bytes(65535), timestampOut: 4, messageOut: random.bytes(65535)),
            // Too long for the format: both encoders refuse.
            Parts(name: Array(repeating: 0x61, count: 256), timestampIn: 1, messageIn: nil, timestampOut: 2, messageOut: nil),
            Parts(name: [0x78], timestampIn: 1, messageIn: random.bytes(65536), timestampOut: 2, messageOut: nil),
            Parts(name: [0x78], timestampIn: 1, messageIn: nil, timestampOut: 2, messageOut: random.bytes(65536)),
        ]
        for special in specials {
            inputs.append(Parts(name: [0x6B], timestampIn: special, messageIn: [1], timestampOut: -special, messageOut: [2]))
        }
        for _ in 0..<300 {
            let name = (0..<Int(random.next() % 40)).map { _ in UInt8(0x61 + random.next() % 26) }
            func message() -> [UInt8]? { random.next() % 5 == 0 ? nil : random.bytes(Int(random.next() % 1500)) }
            inputs.append(Parts(name: name, timestampIn: Double(bitPattern: random.next()), messageIn: message(),
                                timestampOut: Double(bitPattern: random.next()), messageOut: message()))
        }
        let hook = try Self.encodeWithHook(inputs)
        try #require(hook.count == inputs.count)
        #expect(hook[4] == "too-large" && hook[5] == "too-large" && hook[6] == "too-large")
        for (index, input) in inputs.enumerated() where hook[index] != input.swiftFrame {
            Issue.record("C++ differs from Swift on input \(index): \(input.line.prefix(200))")
        }
    }

    // MARK: Kea end to end

    @Test func everyTransactionKeaHandlesReachesKafka() throws {
        let started = WallClock.now()
        let relay = try RelayUnderTest()
        let network = try DHCPTestNetwork()
        defer { network.close() }
        let serverName = "kea-e2e.example.net"
        let kea = try KeaServer(network: network, directory: relay.directory, socket: relay.socket, serverName: serverName)
        let linkLocal = try network.linkLocalAddress(in: network.client, interface: DHCPTestNetwork.clientInterface)

        // (a) ISC dhclient: Solicit, Request, Renew (T1 = 2 s), then Release with -r.
        let dhclient = try Dhclient(
            network: network, directory: relay.directory, config: "request dhcp6.name-servers, dhcp6.domain-search;\n")
        let lease = try dhclient.obtainRenewAndRelease()

        // (b) scripted client direct, (c) through a relay agent (one and two relay-forw layers).
        let python = TestPaths.python.path
        let script = TestPaths.interopScripts.appendingPathComponent("scripted_client.py").path
        let direct = try network.run(in: network.client, python, [script, "--mode", "direct", "--interface",
            DHCPTestNetwork.clientInterface, "--link-local", linkLocal, "--clients", "3", "--mac-byte", "0x11"])
        let relayed = try network.run(in: network.relay, python, [script, "--mode", "relay", "--clients", "2", "--mac-byte", "0x12"])
        let twoHops = try network.run(in: network.relay, python,
            [script, "--mode", "relay", "--hops", "2", "--clients", "1", "--mac-byte", "0x13"])
        for run in [direct, relayed, twoHops] { #expect(run.status == 0, "scripted client: \(run.stderrText)") }
        let scripted = try [direct, relayed, twoHops].flatMap { try ScriptedTransaction.parse($0.stdoutText) }
        #expect(scripted.count == 24 && scripted.allSatisfy { $0.outgoing != nil }, "\(scripted)")

        // (d) Requests naming another server: Kea drops them without a reply.
        let dropper = try network.run(in: network.client, python, [
            TestPaths.interopScripts.appendingPathComponent("dropped_request.py").path, "--interface",
            DHCPTestNetwork.clientInterface, "--link-local", linkLocal, "--count", "2"])
        let dropped = try dropper.stdoutText.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(dropped.count == 2 && dropped.allSatisfy { $0["out"] == .null }, "\(dropper.stdoutText)\(dropper.stderrText)")

        // Every packet Kea received is one frame: Kea's own statistics against the hook's counters.
        let received = try kea.statistic("pkt6-received")
        let keaDropped = try kea.statistic("pkt6-receive-drop")
        let counters = try kea.hookCounters()
        #expect(received == scripted.count + dropped.count + dhclient.transmitted, "Kea received \(received)")
        #expect(keaDropped == dropped.count)
        #expect(counters["sent"] == received && counters["dropped-daemon-down"] == 0 && counters["dropped-queue-full"] == 0,
                "\(counters)")

        #expect(relay.waitForwarded(atLeast: received, timeout: 120), "daemon: \(relay.daemon.log)")
        let frames = try relay.frames(expected: received, timeout: 60)
        #expect(frames.count == received)
        expectDelivered(scripted, in: frames, serverName: serverName)

        for frame in frames {
            #expect(frame.messageIn != nil && frame.timestampIn >= started - 1 && frame.timestampIn <= frame.timestampOut
                    && frame.timestampOut <= WallClock.now() + 1, "\(frame.summary)")
            // Relayed queries are recorded with their relay-forw layers, replies with relay-repl.
            let viaRelay = !(frame.messageIn?.relayChain.isEmpty ?? true)
            if let reply = frame.messageOut { #expect(reply.relayChain.isEmpty == !viaRelay, "\(frame.summary)") }
        }
        #expect(frames.contains { ($0.messageIn?.relayChain.count ?? 0) == 2 }, "the two-hop relay-forw is kept whole")
        let unanswered = frames.filter { $0.messageOut == nil }
        #expect(unanswered.count == dropped.count, "\(unanswered.map(\.summary))")
        for probe in dropped {
            let match = unanswered.filter { frame in
                guard case .clientServer(let message)? = frame.messageIn?.innermostMessage else { return false }
                return String(format: "%06x", message.transactionID) == probe["xid"]?.stringValue
                    && frame.clientDUID.map { hexString($0.bytes) } == probe["duid"]?.stringValue
                    && message.type.rawValue == 3
            }
            #expect(match.count == 1, "dropped Request \(probe) recorded without reply once")
        }

        // dhclient: each of its messages is a frame with its DUID, and a Reply carries its lease.
        let fromDhclient = frames.filter { $0.clientDUID.map { hexString($0.bytes) } == lease.clientDUID }
        #expect(fromDhclient.count == dhclient.transmitted, "dhclient frames: \(fromDhclient.map { $0.summary })")
        let kinds = Set(fromDhclient.compactMap { $0.messageIn?.innermostMessage.messageType.rawValue })
        #expect(kinds.isSuperset(of: [1, 3, 5, 8]), "solicit, request, renew, release: \(kinds)")
        #expect(fromDhclient.contains { frame in
            guard let leases = frame.messageOut?.assignedLeases, frame.messageOut?.innermostMessage.messageType.rawValue == 7
            else { return false }
            return Set(leases.map { $0.kind == .address ? "\($0.address)" : "\($0.address)/\($0.prefixLength)" })
                .isSuperset(of: lease.addresses + lease.prefixes)
        }, "a Reply frame carries dhclient's lease \(lease)")

        let log = kea.stop()
        #expect(log.contains("DHCPKAFKA_UNLOADED dhcpkafka hook unloaded: sent \(received), dropped queue-full 0, daemon-down 0"),
                "unload line with the counters:\n\(log.suffix(2000))")
    }

    @Test func keaAnswersWhileTheDaemonIsDown() throws {
        let directory = try TemporaryDirectory(prefix: "dk-kea-down")
        chmod(directory.path, 0o755)
        let network = try DHCPTestNetwork()
        defer { network.close() }
        let kea = try KeaServer(network: network, directory: directory, socket: directory.appending("nobody.sock"),
                                serverName: "kea-down")
        let linkLocal = try network.linkLocalAddress(in: network.client, interface: DHCPTestNetwork.clientInterface)
        let run = try network.run(in: network.client, TestPaths.python.path, [
            TestPaths.interopScripts.appendingPathComponent("scripted_client.py").path, "--mode", "direct",
            "--interface", DHCPTestNetwork.clientInterface, "--link-local", linkLocal, "--clients", "3", "--mac-byte", "0x21"])
        let answered = try ScriptedTransaction.parse(run.stdoutText)
        #expect(run.status == 0 && answered.count == 12 && answered.allSatisfy { $0.outgoing != nil }, "\(run.stderrText)")
        // No timing bound (a loaded machine makes any bound flaky): every exchange answered and
        // every frame counted as dropped shows the hook never waits for the absent daemon; its
        // cost per transaction is measured by `make -C deploy/kea bench`.
        let received = try kea.statistic("pkt6-received")
        let counters = try kea.hookCounters()
        #expect(received == 12)
        #expect(counters["sent"] == 0 && counters["dropped-daemon-down"] == received && counters["dropped-permission-denied"] == 0, "\(counters)")
        let log = kea.stop()
        #expect(log.contains("dhcpkafka hook unloaded: sent 0, dropped queue-full 0, daemon-down \(received), too-large 0"),
                "\(log.suffix(2000))")
        // The first failure is logged when it happens (once), not only in the counters at unload.
        let dropping = log.split(separator: "\n").filter { $0.contains("DHCPKAFKA_DROPPING") }
        #expect(dropping.count == 1 && dropping.first?.contains("no daemon is receiving") == true, "\(log.suffix(2000))")
    }

    /// The hook's sender, run as `nobody` against a socket in root's 0700 directory: the daemon is
    /// up, so the drops are "permission denied" (not "daemon down"), reported once with the fix.
    @Test func hookSenderCountsPermissionDeniedAndReportsItOnce() throws {
        try KeaHookBuild.ensureBuilt()
        let directory = try TemporaryDirectory(prefix: "dk-kea-perm")
        let path = directory.appending("ingest.sock")
        let receiver = bindUnixDatagramSocket(at: path)
        try #require(receiver >= 0)
        defer { close(receiver) }
        func check(_ arguments: [String]) throws -> (counters: [String: Int], reports: [String]) {
            let result = try runProcess(KeaHookBuild.senderCheck, arguments, timeout: 60)
            try #require(result.status == 0, "sender_check failed: \(result.stderrText)")
            var counters: [String: Int] = [:]
            var reports: [String] = []
            for line in result.stdoutText.split(separator: "\n") {
                if line.hasPrefix("report ") { reports.append(String(line.dropFirst(7))) } else {
                    let fields = line.split(separator: " ")
                    if fields.count == 2, let value = Int(fields[1]) { counters[String(fields[0])] = value }
                }
            }
            return (counters, reports)
        }
        let denied = try check([path, "30", "65534"])
        #expect(denied.counters["dropped_permission_denied"] == 30 && denied.counters["dropped_daemon_down"] == 0,
                "\(denied.counters)")
        #expect(denied.reports.count == 1, "\(denied.reports)")
        #expect(denied.reports.first?.contains("permission denied for uid 65534 gid 65534") == true, "\(denied.reports)")
        let down = try check([directory.appending("none.sock"), "30"])
        #expect(down.counters["dropped_daemon_down"] == 30 && down.counters["dropped_permission_denied"] == 0, "\(down.counters)")
        #expect(down.reports.count == 1 && down.reports.first?.contains("no daemon is receiving") == true, "\(down.reports)")
    }

    /// The daemon restarts under a running Kea: while it is down frames are dropped and counted,
    /// and once a new daemon binds the same path the hook reconnects by itself and every later
    /// transaction reaches Kafka, without touching Kea (docs/integration-kea.md).
    @Test func keaHookReconnectsAfterTheDaemonRestarts() throws {
        let relay = try RelayUnderTest()
        let network = try DHCPTestNetwork()
        defer { network.close() }
        let serverName = "kea-restart"
        let kea = try KeaServer(network: network, directory: relay.directory, socket: relay.socket, serverName: serverName)
        let linkLocal = try network.linkLocalAddress(in: network.client, interface: DHCPTestNetwork.clientInterface)
        func clients(_ count: Int, macByte: String) throws -> [ScriptedTransaction] {
            let run = try network.run(in: network.client, TestPaths.python.path, [
                TestPaths.interopScripts.appendingPathComponent("scripted_client.py").path, "--mode", "direct",
                "--interface", DHCPTestNetwork.clientInterface, "--link-local", linkLocal, "--clients", String(count),
                "--mac-byte", macByte])
            #expect(run.status == 0, "scripted client: \(run.stderrText)")
            let exchanges = try ScriptedTransaction.parse(run.stdoutText)
            #expect(exchanges.count == 4 * count && exchanges.allSatisfy { $0.outgoing != nil }, "\(exchanges)")
            return exchanges
        }

        let before = try clients(2, macByte: "0x31")
        #expect(try kea.hookCounters()["sent"] == before.count)
        try relay.stopDaemon()
        let during = try clients(2, macByte: "0x32")
        let down = try kea.hookCounters()
        #expect(down["sent"] == before.count && down["dropped-daemon-down"] == during.count, "\(down)")
        let lastDrop = Date()
        try relay.restartDaemon()
        // The hook tries to reconnect at most every 100 ms: wait until that much passed since its
        // last attempt (a clock condition, not a sleep before an assertion).
        _ = waitUntil(timeout: 5) { Date().timeIntervalSince(lastDrop) > 0.2 }
        let after = try clients(2, macByte: "0x33")
        let counters = try kea.hookCounters()
        #expect(counters["sent"] == before.count + after.count && counters["dropped-daemon-down"] == during.count
                    && counters["dropped-queue-full"] == 0 && counters["dropped-other"] == 0, "\(counters)")

        let delivered = before.count + after.count
        #expect(relay.waitForwarded(atLeast: delivered, timeout: 120), "daemon: \(relay.daemon.log)")
        let frames = try relay.frames(expected: delivered, timeout: 60)
        #expect(frames.count == delivered, "the transactions before and after the restart, each once")
        expectDelivered(before + after, in: frames, serverName: serverName)
        let lost = Set(during.map(\.duid))
        #expect(!frames.contains { lost.contains(ScriptedTransaction(frame: $0).duid) }, "nothing from the outage appears")
        let log = kea.stop()
        #expect(log.contains("hook unloaded: sent \(delivered), dropped queue-full 0, daemon-down \(during.count)"), "\(log.suffix(2000))")
    }

    /// A stalled daemon (a socket nobody reads, in the server namespace whose Unix datagram queue
    /// limit is the kernel default): the queue fills, every further frame is dropped and counted
    /// as queue-full, Kea answers every client, and what was counted as sent is exactly what waits
    /// in the queue.
    @Test func keaHookCountsQueueFullWhileTheDaemonIsStalled() throws {
        let directory = try TemporaryDirectory(prefix: "dk-kea-stall")
        chmod(directory.path, 0o755)
        let network = try DHCPTestNetwork()
        defer { network.close() }
        // net.unix.max_dgram_qlen is per network namespace; a new one starts at the kernel default.
        let shown = try network.run(in: network.server, "/usr/bin/cat", ["/proc/sys/net/unix/max_dgram_qlen"])
        let queueLimit = try #require(Int(shown.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)), "\(shown.stderrText)")
        try #require(queueLimit <= 64, "the server namespace's queue limit (\(queueLimit)) is too large to fill quickly")
        let socket = directory.appending("stalled.sock")
        let stalled = try network.start(in: network.server, "/usr/bin/python3", ["-c", """
            import os, signal, socket, sys
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666)
            print('bound', flush=True)
            signal.sigwait({signal.SIGUSR1})  # stalled until the test has read Kea's counters
            s.setblocking(False)
            n = 0
            try:
                while True:
                    s.recv(70000); n += 1
            except BlockingIOError:
                pass
            print('queued', n, flush=True)
            """, socket], logPath: directory.appending("stalled.log"))
        #expect(waitUntil(timeout: 60) { stalled.log.contains("bound") || !stalled.process.isRunning }, "\(stalled.log)")
        let kea = try KeaServer(network: network, directory: directory, socket: socket, serverName: "kea-stalled")
        let linkLocal = try network.linkLocalAddress(in: network.client, interface: DHCPTestNetwork.clientInterface)
        let clients = queueLimit / 4 + 3
        let run = try network.run(in: network.client, TestPaths.python.path, [
            TestPaths.interopScripts.appendingPathComponent("scripted_client.py").path, "--mode", "direct",
            "--interface", DHCPTestNetwork.clientInterface, "--link-local", linkLocal, "--clients", String(clients),
            "--mac-byte", "0x41"])
        let answered = try ScriptedTransaction.parse(run.stdoutText)
        #expect(run.status == 0 && answered.count == 4 * clients && answered.allSatisfy { $0.outgoing != nil },
                "Kea answers every client while the daemon is stalled: \(run.stderrText)")
        let received = try kea.statistic("pkt6-received")
        let counters = try kea.hookCounters()
        #expect(received == 4 * clients)
        #expect((counters["dropped-queue-full"] ?? 0) > 0 && (counters["sent"] ?? 0) > 0, "\(counters)")
        #expect((counters["sent"] ?? 0) + (counters["dropped-queue-full"] ?? 0) == received, "\(counters)")
        #expect((counters["sent"] ?? 0) <= queueLimit + 1, "no more queued than the kernel allows: \(counters)")
        let log = kea.stop()
        #expect(log.contains("hook unloaded: sent \(counters["sent"] ?? -1), dropped queue-full \(counters["dropped-queue-full"] ?? -1), daemon-down 0"),
                "\(log.suffix(2000))")
        stalled.signal(SIGUSR1)
        #expect(stalled.wait(timeout: 60) == 0, "\(stalled.log)")
        #expect(stalled.log.contains("queued \(counters["sent"] ?? -1)\n"), "what was counted as sent is what waited: \(stalled.log)")
    }

    @Test func keaRefusesBadHookParameters() throws {
        try KeaHookBuild.ensureBuilt()
        let directory = try TemporaryDirectory(prefix: "dk-kea-bad")
        let cases: [(parameters: String, error: String)] = [
            ("{\"server-name\": \"\(String(repeating: "n", count: 256))\"}", "'server-name' is 256 bytes"),
            ("{\"socket\": 5}", "parameter 'socket' must be a string"),
            ("{\"socket\": \"\"}", "must be a path of 1 to 107 bytes"),
            ("{\"sokcet\": \"/run/x.sock\"}", "unknown parameter 'sokcet'"),
        ]
        for (index, bad) in cases.enumerated() {
            let config = """
                {"Dhcp6": {"interfaces-config": {"interfaces": []},
                 "lease-database": {"type": "memfile", "persist": false},
                 "hooks-libraries": [{"library": "\(KeaHookBuild.library)", "parameters": \(bad.parameters)}],
                 "loggers": [{"name": "kea-dhcp6", "severity": "INFO", "output_options": [{"output": "stdout"}]}]}}
                """
            let path = directory.appending("bad\(index).json")
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try runProcess(URL(fileURLWithPath: "/usr/sbin/kea-dhcp6"), ["-c", path], environment: [
                "KEA_PIDFILE_DIR": directory.path, "KEA_LOCKFILE_DIR": directory.path], timeout: 60)
            let output = result.stdoutText + result.stderrText
            #expect(result.status != 0, "Kea must not start with \(bad.parameters)")
            #expect(output.contains("DHCPKAFKA_BAD_PARAMETERS") && output.contains(bad.error), "\(output.suffix(1500))")
        }
    }
}

extension Dhclient {
    /// Waits for an address and a prefix and one Renew/Reply, stops, releases; returns the lease.
    func obtainRenewAndRelease() throws -> DhclientLease {
        let renewed = waitUntil(timeout: 120) {
            let text = log
            return text.contains("XMT: Renew") && text.components(separatedBy: "RCV: Reply").count > 2
        }
        #expect(stop(), "dhclient stops on SIGTERM")
        try #require(renewed, "dhclient did not get a lease and renew it:\n\(log)")
        let lease = try DhclientLease(leaseFile: String(contentsOfFile: leasePath, encoding: .utf8))
        let released = try release()
        let output = log + released.stdoutText + released.stderrText
        #expect(released.status == 0 && output.contains("XMT: Release"), "dhclient -r: \(output)")
        #expect(!lease.addresses.isEmpty && !lease.prefixes.isEmpty, "\(lease)")
        return lease
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
