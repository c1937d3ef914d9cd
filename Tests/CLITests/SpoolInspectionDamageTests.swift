import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// `spool check`, `spool salvage` and `run` on damaged spools: truncated, random bit flips (fixed
/// seeds), a flipped bit in a frame key. Nothing may crash; every damage is reported with exit 1.
@Suite struct SpoolInspectionDamageTests {
    /// A spool written in-process with fixed contents, so its pages and a seeded flip are the same
    /// on every run: 3000 frames of 60…700 bytes.
    static func writeFixedSpool(_ path: String) throws {
        var rng = SplitMix64(seed: 0x5EED)
        let spool = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 4 << 20))
        for chunk in 0..<30 {
            var batch = SpoolBatch()
            for i in 0..<100 {
                let size = Int.random(in: 60...700, using: &rng)
                batch.append((0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) },
                             receivedAt: 1_700_000_000_000_000_000 + UInt64(chunk * 100 + i))
            }
            _ = try spool.append(batch)
        }
        try spool.close()
        // A process another test spawns may share the writer lock's description until it execs;
        // the commands run on this spool next take that lock.
        #expect(waitUntil(timeout: 30) { Spool.writerPid(at: path) == nil }, "the writer lock is released")
    }

    /// Copies `source` to `target` and flips `count` random bits of its data.mdb past the meta pages.
    static func flipBits(from source: String, to target: String, seed: UInt64, count: Int) throws {
        try FileManager.default.copyItem(atPath: source, toPath: target)
        let file = target + "/data.mdb"
        var data = try Data(contentsOf: URL(fileURLWithPath: file))
        var rng = SplitMix64(seed: seed)
        for _ in 0..<count {
            let bit = Int.random(in: (2 * 4096 * 8)..<(data.count * 8), using: &rng)
            data[bit / 8] ^= UInt8(1 << (bit % 8))
        }
        let fd = open(file, O_WRONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } == data.count)
    }

    func dhcpkafka(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(TestPaths.dhcpkafka, arguments, timeout: 120)
    }

    /// `run --no-forward` on `spool`: must exit (not start) with status 1.
    func runRefuses(_ spool: String, in directory: TemporaryDirectory) throws -> String {
        let result = try dhcpkafka(["run", "--socket", directory.appending("s.sock"), "--spool", spool, "--no-forward"])
        #expect(result.status == 1, "run must refuse: \(result.stderrText)")
        #expect(!socketExists(directory.appending("s.sock")))
        return result.stderrText + result.stdoutText
    }

    @Test("a truncated data.mdb: check reports it (exit 1, no SIGBUS), run refuses naming it")
    func truncated() throws {
        let dir = try TemporaryDirectory()
        let spool = dir.appending("spool")
        try Self.writeFixedSpool(spool)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: spool + "/data.mdb")[.size] as? Int)
        #expect(truncate(spool + "/data.mdb", off_t(size / 2)) == 0)
        let check = try dhcpkafka(["spool", "check", "--spool", spool])
        #expect(check.status == 1)
        #expect(check.stderrText.contains("is truncated: data.mdb has \(size / 2) bytes"), "\(check.stderrText)")
        for command in [["spool", "list"], ["spool", "stats", "--interval", "0"], ["spool", "salvage", "--into", dir.appending("new")]] {
            let result = try dhcpkafka(command + ["--spool", spool])
            #expect(result.status == 1 && result.stderrText.contains("is truncated"), "\(command): \(result.stderrText)")
        }
        #expect(try runRefuses(spool, in: dir).contains("is truncated"))
    }

    @Test("50 random bit flips (fixed seeds): check always exits 1 with a report, never crashes; run refuses a spool that crashes LMDB")
    func randomBitFlips() throws {
        let dir = try TemporaryDirectory()
        let clean = dir.appending("clean")
        try Self.writeFixedSpool(clean)
        var crashed: [String] = []
        for seed: UInt64 in 1...24 {
            let spool = dir.appending("flipped-\(seed)")
            try Self.flipBits(from: clean, to: spool, seed: seed, count: 50)
            let check = try dhcpkafka(["spool", "check", "--spool", spool, "--json"])
            #expect(check.status == 1, "seed \(seed): \(check.status) \(check.stderrText)")
            let report = try? JSONValue.parse(check.stdoutText)
            #expect(report?["healthy"] == .bool(false) || check.stderrText.contains("damaged"),
                    "seed \(seed): \(check.stdoutText) \(check.stderrText)")
            if check.stdoutText.contains("crashed the checking process") {
                #expect(report?["problems"]?.arrayValue?.first?["code"] == .string("walk-crashed"))
                crashed.append(spool)
            }
        }
        print("bit flips: \(crashed.count) of 24 seeds crashed the walk (reported as corrupt)")
        // Some of these flips hit LMDB's page structure badly enough to crash a walk over it.
        let spool = try #require(crashed.first, "no seed damaged the page structure; pick other seeds")
        let text = try dhcpkafka(["spool", "check", "--spool", spool])
        #expect(text.status == 1 && text.stdoutText.hasPrefix("corrupt: spool at \(spool) is corrupt"))
        let refused = try runRefuses(spool, in: dir)
        #expect(refused.contains("refusing to start") && refused.contains("crashed the checking process"), "\(refused)")
    }

    @Test("a flipped bit in a frame key: run refuses naming it; salvage copies every frame into a healthy spool")
    func flippedKeySalvage() throws {
        let filled = try FilledSpool.get()
        let dir = try TemporaryDirectory()
        let spool = dir.appending("spool")
        try FileManager.default.copyItem(atPath: filled.spool, toPath: spool)
        try? FileManager.default.removeItem(atPath: spool + "/writer.lock")
        let total = FilledSpool.alphaFrames + FilledSpool.betaFrames
        let receiveTime = try #require(try Spool.openReadOnly(at: spool).read(from: 25, maxFrames: 1).first?.receiveTime)
        try #require(try SpoolFileDamage.flipKeyBit(spool: spool, sequence: 25, receiveTime: receiveTime, bit: 20))
        let refused = try runRefuses(spool, in: dir)
        #expect(refused.contains("after sequence 24 has sequence 1048601, which was never assigned"), "\(refused)")
        #expect(refused.contains("spool salvage --spool \(spool) --into NEWDIR"))

        let target = dir.appending("salvaged")
        let salvage = try dhcpkafka(["spool", "salvage", "--spool", spool, "--into", target, "--json"])
        #expect(salvage.status == 0, "\(salvage.stderrText)")
        let report = try JSONValue.parse(salvage.stdoutText)
        #expect(report["copied_frames"]?.intValue == Int64(total) && report["damaged_keys"]?.intValue == 1)
        #expect(report["unreadable_frames"]?.intValue == 0)
        let check = try dhcpkafka(["spool", "check", "--spool", target])
        #expect(check.status == 0, "\(check.stdoutText)")
        let listed = try InspectionHarness.jsonLines(try dhcpkafka(["spool", "list", "--json", "--limit", "0", "--spool", target]))
        #expect(listed.compactMap { $0["sequence"]?.intValue } == (1...Int64(total)).map { $0 })
        #expect(listed.map { $0["bytes"] ?? .null } == filled.frames.map { $0["bytes"] ?? .null })
        let again = try dhcpkafka(["spool", "salvage", "--spool", spool, "--into", target])
        #expect(again.status == 1 && again.stderrText.contains("already holds a spool"))
    }
}
