import DHCPKafkaSink
import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPKafkaWriter
import DHCPv6
import Foundation
import JSONValue
import Testing
import TextCodecs

/// The dashboard in a real browser (headless chromium through selenium, Tests/interop-python/browser_check.py),
/// fed by the real relay: overview, DUID search, the lease question, live tail, hostile strings.
/// Screenshots: `.build/artifacts/lookingglass-browser/`.
@Suite(.serialized, .heavy) struct BrowserTests {
    static let hostileServer = "<script>window.__xss=true;alert(1)</script>"
    static let hostileInterface = "\"><img src=x onerror=\"window.__xss=true;alert(2)\">"

    func send(_ writer: DHCPKafkaWriter, _ frame: DHCPKafkaMessage) {
        let outcome = writer.finish(
            writer.begin(incoming: frame.messageIn?.serialized() ?? [], at: frame.timestampIn),
            reply: frame.messageOut?.serialized(), at: frame.timestampOut)
        #expect(outcome == .sent)
    }

    @Test func dashboardInABrowser() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
            FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
        else {
            Issue.record("chromium and chromium-driver are missing: run .ci/bootstrap (it installs them)")
            return
        }
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3)
        let dir = try TemporaryDirectory(prefix: "lg-browser")
        defer { dir.remove() }
        let socket = dir.appending("ingest.sock")
        let relay = try ChildProcess(
            TestPaths.dhcpkafka,
            ["run", "--socket", socket, "--spool", dir.appending("spool"), "--capacity", "16MiB", "--broker",
             cluster.bootstrapServers],
            logPath: dir.appending("relay.log"))
        defer { relay.killHard() }
        #expect(waitUntil(timeout: 60) { socketExists(socket) || !relay.process.isRunning }, "relay: \(relay.log)")
        let port = freeLocalPort()
        let glass = try ChildProcess(
            RelayCrashTests.lookingGlass,
            ["--broker", cluster.bootstrapServers, "--db", dir.appending("lg.sqlite"), "--listen", "127.0.0.1:\(port)"],
            logPath: dir.appending("lg.log"), standardOutputToLog: true)
        defer { glass.killHard() }

        let t0 = Date().timeIntervalSince1970 - 1000
        let address = "2001:db8:77::1"
        let normal = try DHCPKafkaWriter(socketPath: socket, serverName: "dhcp-browser-1", report: nil)
        let hostile = try DHCPKafkaWriter(socketPath: socket, serverName: Self.hostileServer, report: nil)
        for (request, at) in [(MessageType.request, t0), (.renew, t0 + 100), (.release, t0 + 200)] {
            send(normal, Frames.transaction(
                server: "dhcp-browser-1", client: 77, request: request, response: .reply, address: address, at: at,
                dhcpkit: false))
        }
        send(hostile, Frames.transaction(
            server: Self.hostileServer, client: 78, request: .solicit, response: .advertise, at: t0 + 10,
            relayed: (Array(Self.hostileInterface.utf8), Array("<script>window.__xss=true</script>".utf8))))
        #expect(waitUntil(timeout: 120) {
            guard let answer = httpGet(port: port, path: "/metrics") else { return false }
            return (parsePrometheus(answer.body)["lookingglass_store_transactions"] ?? 0) >= 4
        }, "looking glass: \(glass.log)")
        let hostileID = try JSONValue.parse(httpGet(port: port, path: "/api/transactions?duid=\(Frames.clientDUID(78).bytes.hexString)")?.body ?? "")["transactions"]?.arrayValue?.first?["id"]?.stringValue ?? "?"
        let encodedServer = Self.hostileServer.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let live = Frames.transaction(
            server: "live-probe", client: 79, request: .solicit, response: .advertise, at: Date().timeIntervalSince1970,
            dhcpkit: false)
        let artifacts = TestPaths.repositoryRoot.appendingPathComponent(".build/artifacts/lookingglass-browser").path
        let spec: JSONValue = .object([
            ("url", .string("http://127.0.0.1:\(port)")), ("artifacts", .string(artifacts)),
            ("servers", .array([.string("dhcp-browser-1"), .string(Self.hostileServer)])),
            ("duid", .string(Frames.clientDUID(77).bytes.hexString)), ("address", .string(address)),
            ("held_at", .string(Date(timeIntervalSince1970: t0 + 150).ISO8601Format())),
            ("released_at", .string(Date(timeIntervalSince1970: t0 + 300).ISO8601Format())),
            ("socket", .string(socket)), ("live_frame", .string(Frames.bytes(live).hexString)),
            ("live_server", .string("live-probe")),
            ("hostile_pages", .array([
                .string("/"), .string("/search?server=\(encodedServer)"), .string("/transactions/\(hostileID)"),
                .string("/clients/\(Frames.clientDUID(78).bytes.hexString)"),
            ])),
            ("hostile_texts", .array([.string(Self.hostileServer), .string(Self.hostileInterface)])),
        ])
        let specPath = dir.appending("spec.json")
        try spec.compactText.write(toFile: specPath, atomically: false, encoding: .utf8)
        let result = try runProcess(
            TestPaths.python, [TestPaths.interopScripts.appendingPathComponent("browser_check.py").path, specPath],
            timeout: 600)
        #expect(result.status == 0, "browser: \(result.stderrText)\nlooking glass: \(glass.log)")
        let seen = try? JSONValue.parse(result.stdoutText)
        // The issue asks for the live row within 2 s; recorded, not asserted (a loaded CI machine is slower).
        print("looking glass browser check: live row after \(seen?["live_seconds"]?.doubleValue ?? -1) s; screenshots in \(artifacts)")
        #expect(seen?["live_seconds"]?.doubleValue != nil)
    }
}
