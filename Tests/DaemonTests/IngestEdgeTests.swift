import CLMDB
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// Hostile or mistaken input at the edges of ingest: descriptors passed with frames, senders
/// admitted by a supplementary group, socket and spool paths that must be refused.
@Suite(.serialized) struct IngestEdgeTests {
    /// Starts `fd_writer.py` (valid frames, `fds` descriptors attached to each), optionally as
    /// another user through `setpriv` arguments.
    private func fdWriter(
        _ harness: DaemonHarness, frames: Int, fds: Int, linger: Double, name: String, setpriv: [String] = []
    ) throws -> ChildProcess {
        let script = [TestPaths.python.path, TestPaths.interopScripts.appendingPathComponent("fd_writer.py").path, harness.socket,
                      TestPaths.fixtures.appendingPathComponent("frames/all.hex").path, String(frames), String(fds), String(linger)]
        if setpriv.isEmpty {
            return try ChildProcess(URL(fileURLWithPath: script[0]), Array(script.dropFirst()), logPath: harness.directory.appending("\(name).log"))
        }
        return try ChildProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), setpriv + script, logPath: harness.directory.appending("\(name).log"))
    }

    private func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Descriptors passed with frames (one each, and more than the control buffer holds) are
    /// closed: the daemon's descriptor count stays flat, with and without an allow list.
    @Test(arguments: [false, true]) func passedDescriptorsAreClosed(allowList: Bool) throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start(allowList ? ["--allow-uid", "0"] : [])
        // The ingest worker receives the frames (and the descriptors); the parent only holds the socket.
        let worker = try #require(ingestWorker(of: daemon.pid), "\(daemon.log)")
        let before = openDescriptors(worker)
        var expected: Int64 = 0
        for (index, fds) in [1, 3, 40].enumerated() {
            let writer = try fdWriter(harness, frames: 150, fds: fds, linger: 0, name: "fd\(index)")
            #expect(writer.wait(timeout: 60) == 0, "\(writer.log)")
            expected += 150
        }
        #expect(waitUntil(timeout: 30) { ((try? harness.stats())?["accepted"]?.intValue ?? 0) == expected })
        // A frame counts as accepted once committed; its datagram (with the descriptors) is consumed
        // and they are closed right after: wait for that, a leak never ends.
        var after = openDescriptors(worker)
        #expect(waitUntil(timeout: 30) { after = openDescriptors(worker); return after <= before + 3 },
                "descriptors before \(before), after 450 frames with descriptors \(after)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
    }

    /// `allow-gid` admits a writer through a supplementary group (as `usermod -aG` gives one), and
    /// still refuses a writer in neither its primary nor its supplementary groups.
    @Test func allowGidMatchesSupplementaryGroups() throws {
        let harness = try DaemonHarness()
        chmod(harness.directory.path, 0o755)
        let daemon = try harness.start(["--allow-gid", "4242", "--socket-mode", "0666"])
        let member = try fdWriter(
            harness, frames: 100, fds: 0, linger: 60, name: "member",
            setpriv: ["--reuid=65534", "--regid=65534", "--groups=4242"])
        let outsider = try fdWriter(
            harness, frames: 50, fds: 0, linger: 60, name: "outsider",
            setpriv: ["--reuid=65534", "--regid=65534", "--groups=4343"])
        #expect(waitUntil(timeout: 30) { ((try? harness.stats())?["received"]?.intValue ?? 0) == 150 }, "\(daemon.log)")
        member.killHard()
        outsider.killHard()
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
        let stats = try harness.stats()
        #expect(stats["accepted"]?.intValue == 100, "\(stats)")
        #expect(stats["rejected_by_reason"]?["sender-not-allowed"]?.intValue == 50)
    }

    /// A socket path in a directory that does not exist is refused; nothing is created.
    @Test func socketInAMissingDirectoryIsRefused() throws {
        let harness = try DaemonHarness()
        let result = try runProcess(
            TestPaths.dhcpkafka,
            ["run", "--no-forward", "--socket", harness.directory.appending("no/such/dir/s.sock"), "--spool", harness.spool], timeout: 30)
        #expect(result.status == 1)
        #expect(result.stderrText.contains("directory \(harness.directory.appending("no/such/dir")) does not exist"), "\(result.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: harness.directory.appending("no")))
    }

    /// A directory with other files, or another program's LMDB database, is not adopted as a spool.
    @Test func foreignDirectoriesAreNotAdopted() throws {
        let harness = try DaemonHarness()
        try FileManager.default.createDirectory(atPath: harness.spool, withIntermediateDirectories: true)
        try "keep me\n".write(toFile: harness.spool + "/important.txt", atomically: false, encoding: .utf8)
        let files = try runProcess(
            TestPaths.dhcpkafka, ["run", "--no-forward", "--socket", harness.socket, "--spool", harness.spool], timeout: 30)
        #expect(files.status == 1)
        #expect(files.stderrText.contains("not empty and holds no dhcpkafka spool (it has important.txt)"), "\(files.stderrText)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.spool) == ["important.txt"])
        #expect(!socketExists(harness.socket))

        let lmdb = harness.directory.appending("other-lmdb")
        try makeForeignLMDB(at: lmdb)
        let size = try FileManager.default.attributesOfItem(atPath: lmdb + "/data.mdb")[.size] as? Int
        let foreign = try runProcess(
            TestPaths.dhcpkafka, ["run", "--no-forward", "--socket", harness.socket, "--spool", lmdb], timeout: 30)
        #expect(foreign.status == 1)
        #expect(foreign.stderrText.contains("holds an LMDB database that is not a dhcpkafka spool"), "\(foreign.stderrText)")
        #expect(try FileManager.default.attributesOfItem(atPath: lmdb + "/data.mdb")[.size] as? Int == size)
    }

    /// Without --spool/--socket (or paths in the config), `run` outside a development checkout
    /// refuses the relative built-in paths instead of spooling under whatever directory it runs in.
    @Test func builtInRelativePathsOnlyInACheckout() throws {
        let harness = try DaemonHarness()
        let result = try runProcess(
            TestPaths.dhcpkafka, ["run", "--no-forward"], currentDirectory: URL(fileURLWithPath: harness.directory.path), timeout: 30)
        #expect(result.status == 2)
        #expect(result.stderrText.contains("no spool or socket path given"), "\(result.stderrText)")
        #expect(result.stderrText.contains("--spool (e.g. /var/lib/dhcpkafka/spool)"), "\(result.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: harness.directory.appending("var")))
    }

    /// A metrics port that cannot be bound stops the daemon before it says ready or binds its socket.
    @Test func notReadyBeforeTheMetricsPortIsBound() throws {
        let harness = try DaemonHarness()
        let busy = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(busy) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(busy, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(busy, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(busy, $0, &length) }
        }
        let port = UInt16(bigEndian: address.sin_port)
        let result = try runProcess(
            TestPaths.dhcpkafka,
            ["run", "--no-forward", "--socket", harness.socket, "--spool", harness.spool, "--metrics-listen", "127.0.0.1:\(port)"],
            timeout: 30)
        #expect(result.status == 1)
        #expect(result.stderrText.contains("cannot listen for metrics"), "\(result.stderrText)")
        #expect(!result.stderrText.contains(" ready"), "\(result.stderrText)")
        #expect(!socketExists(harness.socket))
    }

    /// A capacity below the smallest spool is refused, not silently raised.
    @Test func capacityBelowTheMinimumIsRefused() throws {
        let harness = try DaemonHarness()
        let result = try runProcess(
            TestPaths.dhcpkafka, ["run", "--no-forward", "--socket", harness.socket, "--spool", harness.spool, "--capacity", "10K"],
            timeout: 30)
        #expect(result.status == 64)
        #expect(result.stderrText.contains("--capacity 10 KiB is below the smallest spool, 64 KiB"), "\(result.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: harness.spool))
    }

    /// An LMDB environment of some other program: one record in its main database.
    private func makeForeignLMDB(at path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var env: OpaquePointer?
        try #require(mdb_env_create(&env) == 0)
        defer { mdb_env_close(env) }
        try #require(mdb_env_open(env, path, 0, 0o644) == 0)
        var txn: OpaquePointer?
        try #require(mdb_txn_begin(env, nil, 0, &txn) == 0)
        var dbi: MDB_dbi = 0
        try #require(mdb_dbi_open(txn, nil, 0, &dbi) == 0)
        var key = Array("their-key".utf8)
        var value = Array("their-value".utf8)
        let put = key.withUnsafeMutableBytes { k in
            value.withUnsafeMutableBytes { v in
                var mk = MDB_val(mv_size: k.count, mv_data: k.baseAddress)
                var mv = MDB_val(mv_size: v.count, mv_data: v.baseAddress)
                return mdb_put(txn, dbi, &mk, &mv, 0)
            }
        }
        try #require(put == 0)
        try #require(mdb_txn_commit(txn) == 0)
    }
}
