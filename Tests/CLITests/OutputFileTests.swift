import DHCPKafkaTestSupport
import Foundation
import Synchronization
import Testing

/// Where the tools write files: `spool export --pcap` to a device, to a full disk; the test helper's
/// child logs. Output is opened with open(2), never renamed over its path, and every write is checked.
@Suite struct OutputFileTests {
    /// The type bits of `path` (`S_IFCHR`, `S_IFREG`, …), or nil when it does not exist.
    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    /// A scratch character device `major:minor` in `directory` (needs root), so a regression replaces
    /// this node rather than the host's own `/dev/full` or `/dev/null`.
    static func scratchDevice(_ directory: TemporaryDirectory, _ name: String, major: UInt32, minor: UInt32) throws -> String {
        let path = directory.appending(name)
        // makedev(3) for Linux's dev_t layout (a C macro, not imported into Swift).
        let device = dev_t(minor & 0xFF) | dev_t(major & 0xFFF) << 8 | dev_t(minor & ~0xFF) << 12 | dev_t(major & ~0xFFF) << 32
        guard mknod(path, S_IFCHR | 0o666, device) == 0 else {
            throw SubprocessError(description: "mknod \(path) failed (errno \(errno)); this test needs root")
        }
        return path
    }

    @Test func exportToAFullDeviceFailsAndKeepsTheDevice() throws {
        let filled = try FilledSpool.get()
        let directory = try TemporaryDirectory(prefix: "dk-output")
        let scratch = try Self.scratchDevice(directory, "full", major: 1, minor: 7)
        // The scratch node first: if this fails, the host's /dev/full is never put at risk.
        for target in [scratch, "/dev/full"] {
            let result = try filled.harness.cli(["spool", "export", "--pcap", target])
            #expect(result.status == 1, "\(target): \(result.stdoutText) \(result.stderrText)")
            #expect(result.stderrText.contains("cannot write \(target): No space left on device"), "\(result.stderrText)")
            #expect(!result.stdoutText.contains("wrote"), "no success is reported")
            #expect(Self.fileType(target) == S_IFCHR, "\(target) is still a character device")
            guard Self.fileType(scratch) == S_IFCHR else { break }
        }
        #expect(HostDeviceNodes.damaged().isEmpty, "\(HostDeviceNodes.damaged())")
    }

    @Test func exportToAFullFileSystemFailsAndLeavesNoTruncatedCapture() throws {
        let filled = try FilledSpool.get()
        let directory = try TemporaryDirectory(prefix: "dk-output")
        let complete = directory.appending("complete.pcap")
        #expect(try filled.harness.cli(["spool", "export", "--pcap", complete]).status == 0)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: complete)[.size] as? Int)
        #expect(size > 8192, "the capture is larger than the file system below (\(size) bytes)")

        let tmpfs = try TmpfsMount(in: directory.path, size: "4k")
        defer { tmpfs.unmount() }
        let pcap = tmpfs.path + "/export.pcap"
        let result = try filled.harness.cli(["spool", "export", "--pcap", pcap])
        #expect(result.status == 1, "\(result.stdoutText) \(result.stderrText)")
        #expect(result.stderrText.contains("cannot write \(pcap): No space left on device"), "\(result.stderrText)")
        #expect(result.stderrText.contains("removed the incomplete"), "\(result.stderrText)")
        #expect(Self.fileType(pcap) == nil, "no truncated capture is left looking complete")
    }

    @Test func exportKeepsAnExistingFilesLinksAndMode() throws {
        let filled = try FilledSpool.get()
        let directory = try TemporaryDirectory(prefix: "dk-output")
        let pcap = directory.appending("out.pcap")
        let link = directory.appending("link.pcap")
        let fd = open(pcap, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        close(fd)
        #expect(hardLink(pcap, link) == 0)
        let result = try filled.harness.cli(["spool", "export", "--pcap", pcap])
        #expect(result.status == 0, "\(result.stderrText)")
        var info = stat()
        #expect(stat(link, &info) == 0 && info.st_nlink == 2 && info.st_size > 24, "written in place: the hard link sees it")
        #expect(info.st_mode & 0o777 == 0o600, "the existing mode stays")
    }

    /// `send --log` on a full file system: an error naming the file, not a crash or a silently short log.
    @Test func sendLogOnAFullFileSystemFails() throws {
        let directory = try TemporaryDirectory(prefix: "dk-output")
        let socket = directory.appending("ingest.sock")
        let receiver = bindUnixDatagramSocket(at: socket)
        try #require(receiver >= 0)
        // A receiver that drains the socket, so frames are sent (and logged) rather than dropped.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let stop = Atomic(false)
        let drain = Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while !stop.load(ordering: .relaxed) { _ = recv(receiver, &buffer, buffer.count, 0) }
        }
        drain.start()
        defer {
            stop.store(true, ordering: .relaxed)
            while drain.isExecuting { usleep(10_000) }
            close(receiver)
        }
        let tmpfs = try TmpfsMount(in: directory.path, size: "4k")
        defer { tmpfs.unmount() }
        let log = tmpfs.path + "/sent"
        let result = try runProcess(
            TestPaths.dhcpkafka, ["send", "--socket", socket, "--frames", "2000", "--rate", "20000", "--log", log], timeout: 120)
        #expect(result.status != 0 && result.status < 128, "\(result.status): \(result.stdoutText) \(result.stderrText)")
        #expect(result.stderrText.contains("cannot write \(log).0: No space left on device"), "\(result.stderrText)")
    }

    @Test func childProcessLogOnADeviceKeepsTheDevice() throws {
        let directory = try TemporaryDirectory(prefix: "dk-output")
        let null = try Self.scratchDevice(directory, "null", major: 1, minor: 3)
        let child = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "echo to-the-log >&2"], logPath: null)
        #expect(child.wait(timeout: 60) == 0)
        #expect(Self.fileType(null) == S_IFCHR, "the helper opened the device instead of replacing it")
    }

    /// The host's device nodes are intact while (and after) the suites run; `make test` checks again at the end.
    @Test func hostDeviceNodesAreIntact() {
        #expect(HostDeviceNodes.damaged().isEmpty, "\(HostDeviceNodes.damaged())")
    }
}

/// `link(2)`.
private func hardLink(_ from: String, _ to: String) -> Int32 { link(from, to) }
