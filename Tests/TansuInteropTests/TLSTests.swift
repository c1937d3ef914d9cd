import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// The daemon against a broker behind TLS with a private CA: stunnel terminates TLS in front of
/// tansu, which advertises the TLS port under the name the server certificate carries (`localhost`),
/// so every connection, bootstrap and partition leader, goes through TLS with hostname verification.
/// (Debian's librdkafka 2.0.2 mock cluster always advertises its own port, so tansu is the broker
/// here, and the daemon runs on librdkafka 2.16.)
@Suite("TLS to the broker", .serialized, .heavy)
struct TLSTests {
    @Test("a wrong host name or a wrong CA keeps every frame in the spool and says why; the right CA, after SIGHUP, delivers them all")
    func privateCA() throws {
        let directory = try TemporaryDirectory(prefix: "dhcpkafka-tls")
        try Self.makeCertificates(in: directory)
        let tlsPort = try freeLoopbackPort()
        let broker = try TansuBroker(logDirectory: directory.path, advertisedListener: "tcp://localhost:\(tlsPort)")
        defer { broker.stop() }
        let stunnel = try Self.startStunnel(directory: directory, accept: tlsPort, connect: broker.port)
        defer { if stunnel.process.isRunning { stunnel.killHard() } }

        let socket = directory.appending("ingest.sock")
        let spool = directory.appending("spool")
        let properties = directory.appending("kafka.secret")
        try Self.writeProperties(ca: directory.appending("wrong-ca.pem"), to: properties)
        let config = directory.appending("dhcpkafka.conf")
        try """
            <send-to-kafka>
                broker localhost:\(tlsPort)
            </send-to-kafka>
            <socket>
                path \(socket)
            </socket>
            <spool>
                path \(spool)
            </spool>
            <forwarder>
                kafka-property-file \(properties)
                backoff-max 1
            </forwarder>

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let check = try runProcess(TestPaths.dhcpkafka, ["check-config", config], environment: TestPaths.librdkafkaRuntimeEnvironment)
        #expect(check.status == 0, "\(check.stderrText)")

        // The right CA, but the broker named by an address the certificate does not carry: the
        // host name check fails the handshake and every frame stays.
        try Self.writeProperties(ca: directory.appending("ca.pem"), to: properties)
        let misnamed = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--config", config, "--broker", "127.0.0.1:\(tlsPort)"],
            logPath: directory.appending("misnamed.log"), environment: TestPaths.librdkafkaRuntimeEnvironment)
        defer { if misnamed.process.isRunning { misnamed.killHard() } }
        #expect(waitUntil(timeout: 30) { socketExists(socket) }, "\(misnamed.log)")
        let sent = try runProcess(TestPaths.dhcpkafka, ["send", "--socket", socket, "--frames", "50", "--rate", "1000", "--json"])
        #expect(sent.status == 0, "\(sent.stderrText)")
        let count = try JSONValue.parse(sent.stdoutText)["sent"]?.intValue ?? 0
        #expect(count > 0)
        #expect(waitUntil(timeout: 30) { Self.stats(spool)?["accepted"]?.intValue == count })
        #expect(waitUntil(timeout: 60) { misnamed.log.contains("certificate verify failed") }, "\(misnamed.log)")
        misnamed.signal(SIGTERM)
        #expect(misnamed.wait(timeout: 60) == 0, "\(misnamed.log)")
        let kept = try #require(Self.stats(spool))
        #expect(kept["stored_frames"]?.intValue == count && kept["forwarded"]?.intValue == 0, "\(kept)")

        try Self.writeProperties(ca: directory.appending("wrong-ca.pem"), to: properties)
        let daemon = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--config", config], logPath: directory.appending("daemon.log"),
            environment: TestPaths.librdkafkaRuntimeEnvironment)
        defer { if daemon.process.isRunning { daemon.killHard() } }
        #expect(waitUntil(timeout: 30) { socketExists(socket) }, "\(daemon.log)")
        // The wrong CA: the handshake fails, the reason is logged, nothing leaves the spool.
        #expect(waitUntil(timeout: 60) { daemon.log.contains("certificate verify failed") }, "\(daemon.log)")
        let held = try #require(Self.stats(spool))
        #expect(held["stored_frames"]?.intValue == count && held["forwarded"]?.intValue == 0, "\(held)")

        // Fix the property file and reload: the forwarder restarts with the right CA and delivers.
        try Self.writeProperties(ca: directory.appending("ca.pem"), to: properties)
        daemon.signal(SIGHUP)
        #expect(waitUntil(timeout: 90) {
            let stats = Self.stats(spool)
            return stats?["stored_frames"]?.intValue == 0 && stats?["forwarded"]?.intValue == count
        }, "\(daemon.log)")
        #expect(daemon.log.contains("Kafka properties from property files or credentials changed"), "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) == 0, "\(daemon.log)")
    }

    static func writeProperties(ca: String, to path: String) throws {
        let text = "security.protocol=ssl\nssl.ca.location=\(ca)\nssl.endpoint.identification.algorithm=https\nbroker.address.family=v4\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        #expect(write(fd, bytes, bytes.count) == bytes.count)
    }

    /// A private CA, a server certificate for `localhost` signed by it, and a second CA that did not sign it.
    static func makeCertificates(in directory: TemporaryDirectory) throws {
        let d = directory.path
        let ext = directory.appending("server.ext")
        try "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
            .write(toFile: ext, atomically: true, encoding: .utf8)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let ca = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        let steps: [[String]] = [
            ["req", "-x509"] + key + ["-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem", "-days", "2", "-subj", "/CN=dhcpkafka test CA"] + ca,
            ["req", "-x509"] + key + ["-keyout", "\(d)/wrong-ca.key", "-out", "\(d)/wrong-ca.pem", "-days", "2", "-subj", "/CN=another CA"] + ca,
            ["req"] + key + ["-keyout", "\(d)/server.key", "-out", "\(d)/server.csr", "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial",
             "-out", "\(d)/server.pem", "-days", "2", "-extfile", ext],
        ]
        for step in steps {
            let result = try runProcess(URL(fileURLWithPath: "/usr/bin/openssl"), step, timeout: 60)
            try #require(result.status == 0, "openssl \(step.joined(separator: " ")): \(result.stderrText)")
        }
    }

    /// stunnel (Debian's stunnel4) in the foreground: TLS on 127.0.0.1:`accept`, plain TCP to `connect`.
    static func startStunnel(directory: TemporaryDirectory, accept: UInt16, connect: UInt16) throws -> ChildProcess {
        let executable = URL(fileURLWithPath: "/usr/bin/stunnel4")
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "stunnel4 is missing: run .ci/bootstrap deps")
        let conf = directory.appending("stunnel.conf")
        try """
            foreground = yes
            pid =
            debug = notice
            [kafka]
            accept = 127.0.0.1:\(accept)
            connect = 127.0.0.1:\(connect)
            cert = \(directory.appending("server.pem"))
            key = \(directory.appending("server.key"))

            """.write(toFile: conf, atomically: true, encoding: .utf8)
        let child = try ChildProcess(executable, [conf], logPath: directory.appending("stunnel.log"), standardOutputToLog: true)
        try #require(waitUntil(timeout: 30) { !child.process.isRunning || Self.accepts(port: accept) }, "\(child.log)")
        try #require(child.process.isRunning, "stunnel exited: \(child.log)")
        return child
    }

    static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return connectToLoopback(fd, port: port) == 0
    }

    static func stats(_ spool: String) -> JSONValue? {
        guard let result = try? runProcess(TestPaths.dhcpkafka, ["spool", "stats", "--spool", spool, "--json", "--interval", "0"]), result.status == 0
        else { return nil }
        return try? JSONValue.parse(result.stdoutText)
    }
}
