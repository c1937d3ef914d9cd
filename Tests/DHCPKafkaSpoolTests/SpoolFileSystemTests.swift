import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

/// Mounts a tmpfs at `dir` with `options`, runs `body`, and always unmounts.
func withTmpfs(at dir: String, options: String, _ body: () throws -> Void) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    guard try runCommand("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]) == 0 else {
        Issue.record("mount -t tmpfs -o \(options) failed (needs root)")
        return
    }
    defer { _ = try? runCommand("/bin/umount", [dir]) }
    try body()
}

@Suite("Spool file-system errors", .serialized)
struct SpoolFileSystemTests {
    @Test("a missing parent directory or a file in the way gives a clear typed error")
    func badPaths() throws {
        let dir = try TemporaryDirectory()
        let missing = spoolError { _ = try Spool.open(at: dir.appending("no/such/spool")) }
        #expect(missing?.code == .directoryMissing)
        #expect(missing?.message.contains("its parent \(dir.appending("no/such")) does not exist") == true)
        _ = FileManager.default.createFile(atPath: dir.appending("file"), contents: Data())
        #expect(spoolError { _ = try Spool.open(at: dir.appending("file")) }?.code == .notADirectory)
    }

    @Test("a read-only file system gives notWritable, for a new and for an existing spool")
    func readOnlyMount() throws {
        let dir = try TemporaryDirectory()
        let mount = dir.appending("mnt")
        try withTmpfs(at: mount, options: "ro,size=1m") {
            let error = spoolError { _ = try Spool.open(at: mount + "/spool") }
            #expect(error?.code == .notWritable)
        }
        try withTmpfs(at: mount, options: "size=32m") {
            try Spool.open(at: mount + "/spool", options: SpoolOptions(capacityBytes: 1 << 20)).close()
            #expect(try runCommand("/bin/mount", ["-o", "remount,ro", mount]) == 0)
            let error = spoolError { _ = try Spool.open(at: mount + "/spool") }
            #expect(error?.code == .notWritable)
            #expect(error?.message.contains("read-only file system") == true)
        }
    }

    @Test("out of space: appends fail with noSpace, nothing is lost, and work again when space returns")
    func outOfSpace() throws {
        let dir = try TemporaryDirectory()
        let mount = dir.appending("mnt")
        try withTmpfs(at: mount, options: "size=2m") {
            let spool = try Spool.open(at: mount + "/spool", options: SpoolOptions(capacityBytes: 16 << 20))
            var accepted: UInt64 = 0
            var error: SpoolError?
            for _ in 0..<100 {
                do { accepted = try spool.append(makeBatch(count: 64, size: 450)).lastSequence } catch let e as SpoolError {
                    error = e
                    break
                }
            }
            #expect(error?.code == .noSpace, "\(String(describing: error))")
            #expect(error?.message.contains("out of disk space") == true)
            #expect(accepted > 0)
            #expect(try runCommand("/bin/mount", ["-o", "remount,size=64m", mount]) == 0)
            let r = try spool.append(makeBatch(count: 64, size: 450))
            #expect(r.firstSequence == accepted + 1)
            #expect(try spool.read(from: 0, maxFrames: .max).count == Int(r.lastSequence))
            try spool.close()
        }
    }
}

@Suite("Spool benchmark")
struct SpoolBenchmarkTests {
    /// The benchmark lives in `dhcpkafka-bench` (the spool library ships none): run its `spool`
    /// benchmark, built next to the test bundle, and read its result line.
    @Test("appends/s of 450-byte frames in batches of 256, .sync, spool vs raw LMDB (measured, not asserted)")
    func benchmark() throws {
        let dir = try TemporaryDirectory()
        let bench = siblingExecutable("dhcpkafka-bench")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bench)
        process.arguments = ["spool", "--directory", dir.path + "/bench", "--frames", "\(256 * 200)"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try SpawnGate.run { try process.run() }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let note = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print("benchmark (.sync, 450 B, batch 256): \(note)")
        #expect(process.terminationStatus == 0, "\(bench): \(note)")
        let result = try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any]
        #expect((result?["frames"] as? NSNumber)?.intValue == 256 * 200, "\(printed)")
        #expect(((result?["spool_api_frames_per_second"] as? NSNumber)?.doubleValue ?? 0) > 0, "\(printed)")
        #expect(((result?["raw_lmdb_frames_per_second"] as? NSNumber)?.doubleValue ?? 0) > 0, "\(printed)")
        // Both ways wrote their own environment.
        #expect(FileManager.default.fileExists(atPath: dir.path + "/bench/spool/data.mdb"))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/bench/raw/data.mdb"))
    }
}
