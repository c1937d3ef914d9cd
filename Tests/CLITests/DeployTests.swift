import DHCPKafkaTestSupport
import Foundation
import Testing

/// The service files in deploy/systemd, checked with systemd's own tools.
@Suite struct DeployTests {
    private let deploy = TestPaths.repositoryRoot.appendingPathComponent("deploy/systemd")

    /// `systemd-analyze verify` accepts the unit without a single warning (with ExecStart pointing
    /// at the binary this build made, since verify checks that it exists).
    @Test func unitVerifiesCleanly() throws {
        let directory = try TemporaryDirectory(prefix: "dk-unit")
        defer { directory.remove() }
        let unit = try String(contentsOf: deploy.appendingPathComponent("dhcpkafka.service"), encoding: .utf8)
        #expect(unit.contains("Type=notify") && unit.contains("WatchdogSec=") && unit.contains("RuntimeDirectory=dhcpkafka"))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        for hardening in ["ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes"] {
            #expect(unit.contains(hardening), "\(hardening)")
        }
        let path = directory.appending("dhcpkafka.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/dhcpkafka", with: TestPaths.dhcpkafka.path)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let verified = try runProcess(URL(fileURLWithPath: "/usr/bin/systemd-analyze"), ["verify", path])
        #expect(verified.status == 0)
        #expect(verified.stderrText.isEmpty, "systemd-analyze warns: \(verified.stderrText)")
    }

    /// The looking glass's unit: notify with a watchdog, its own state directory under a dynamic
    /// user, the same hardening, a stop timeout it meets (it exits within seconds of SIGTERM), and
    /// `systemd-analyze verify` without a warning against the binary this build made.
    @Test func lookingGlassUnitVerifiesCleanly() throws {
        let directory = try TemporaryDirectory(prefix: "lg-unit")
        defer { directory.remove() }
        let unit = try String(contentsOf: deploy.appendingPathComponent("dhcpkafka-lookingglass.service"), encoding: .utf8)
        for line in [
            "Type=notify", "WatchdogSec=", "DynamicUser=yes", "StateDirectory=dhcpkafka-lookingglass", "TimeoutStopSec=",
            "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "MemoryDenyWriteExecute=yes",
            "--db /var/lib/dhcpkafka-lookingglass/", "--listen 127.0.0.1:",
        ] {
            #expect(unit.contains(line), "\(line)")
        }
        let binary = TestPaths.buildProducts.appendingPathComponent("dhcpkafka-lookingglass").path
        let path = directory.appending("dhcpkafka-lookingglass.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/dhcpkafka-lookingglass", with: binary)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let verified = try runProcess(URL(fileURLWithPath: "/usr/bin/systemd-analyze"), ["verify", path])
        #expect(verified.status == 0)
        #expect(verified.stderrText.isEmpty, "systemd-analyze warns: \(verified.stderrText)")
    }

    /// The socket unit verifies cleanly together with the service, and it makes the socket the
    /// example config names, with the config's mode and group, under the name the daemon looks for.
    @Test func socketUnitVerifiesAndAgreesWithTheConfig() throws {
        let directory = try TemporaryDirectory(prefix: "dk-unit")
        defer { directory.remove() }
        let socketUnit = try String(contentsOf: deploy.appendingPathComponent("dhcpkafka.socket"), encoding: .utf8)
        let service = try String(contentsOf: deploy.appendingPathComponent("dhcpkafka.service"), encoding: .utf8)
        let config = try String(
            contentsOf: TestPaths.repositoryRoot.appendingPathComponent("deploy/dhcpkafka.conf"), encoding: .utf8)
        func setting(_ text: String, _ key: String) -> String? {
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix(key) && !$0.hasPrefix("#") }.map { String($0.dropFirst(key.count)).trimmingCharacters(in: .whitespaces) }
        }
        #expect(setting(socketUnit, "ListenDatagram=") == setting(config, "path /run").map { "/run" + $0 })
        #expect(setting(socketUnit, "SocketMode=") == setting(config, "mode "))
        #expect(setting(socketUnit, "SocketGroup=") == setting(config, "group "))
        #expect(setting(socketUnit, "FileDescriptorName=") == "ingest")
        #expect(service.contains("NotifyAccess=all") && service.contains("FileDescriptorStoreMax="))
        #expect(service.contains("RuntimeDirectoryPreserve=yes"), "stopping the service must not remove the socket unit's socket file")
        try socketUnit.write(toFile: directory.appending("dhcpkafka.socket"), atomically: true, encoding: .utf8)
        try service.replacingOccurrences(of: "/usr/local/bin/dhcpkafka", with: TestPaths.dhcpkafka.path)
            .write(toFile: directory.appending("dhcpkafka.service"), atomically: true, encoding: .utf8)
        let verified = try runProcess(
            URL(fileURLWithPath: "/usr/bin/systemd-analyze"),
            ["verify", directory.appending("dhcpkafka.socket"), directory.appending("dhcpkafka.service")])
        #expect(verified.status == 0)
        #expect(verified.stderrText.isEmpty, "systemd-analyze warns: \(verified.stderrText)")
    }

    /// sysusers makes the user and group; tmpfiles makes the spool and socket directories with
    /// the modes the docs promise (applied to a scratch root, not this machine).
    @Test func sysusersAndTmpfilesCreateWhatTheUnitNeeds() throws {
        let root = try TemporaryDirectory(prefix: "dk-root")
        defer { root.remove() }
        try FileManager.default.createDirectory(atPath: root.appending("etc"), withIntermediateDirectories: true)
        let users = try runProcess(
            URL(fileURLWithPath: "/usr/bin/systemd-sysusers"),
            ["--root=\(root.path)", deploy.appendingPathComponent("dhcpkafka.sysusers").path])
        #expect(users.status == 0, "\(users.stderrText)")
        let passwd = try String(contentsOfFile: root.appending("etc/passwd"), encoding: .utf8)
        let group = try String(contentsOfFile: root.appending("etc/group"), encoding: .utf8)
        #expect(passwd.contains("dhcpkafka:x:") && passwd.contains("/usr/sbin/nologin"))
        #expect(group.contains("dhcpkafka:x:"))
        let files = try runProcess(
            URL(fileURLWithPath: "/usr/bin/systemd-tmpfiles"),
            ["--root=\(root.path)", "--create", deploy.appendingPathComponent("dhcpkafka.tmpfiles").path])
        #expect(files.status == 0, "\(files.stderrText)")
        for (path, mode) in [("var/lib/dhcpkafka/spool", 0o750), ("run/dhcpkafka", 0o755)] {
            var info = stat()
            #expect(stat(root.appending(path), &info) == 0, "\(path) exists")
            #expect(Int(info.st_mode & 0o777) == mode, "\(path) has mode \(String(mode, radix: 8))")
        }
    }
}
