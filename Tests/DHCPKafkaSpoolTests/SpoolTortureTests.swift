import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

@Suite("Spool crash safety", .serialized, .heavy)
struct SpoolTortureTests {
    /// One committed batch as printed by `spool-torture append`.
    struct Committed {
        var first: UInt64, last: UInt64, nonce: UInt64, count: Int
    }

    @Test("SIGKILL at random moments never loses a committed frame nor reuses a sequence")
    func sigkillTorture() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let modes = ["sync", "nometa", "periodic"]
        var committed: [Committed] = []
        var kills = 0
        let started = ContinuousClock.now
        while kills < 60 {
            let child = try TortureChild(["append", path, modes[kills % modes.count]])
            usleep(UInt32.random(in: 5_000...80_000))
            let output = child.kill()
            kills += 1
            for line in output.split(separator: "\n") {
                let f = line.split(separator: " ")
                guard f.count == 4, let first = UInt64(f[0]), let last = UInt64(f[1]),
                      let nonce = UInt64(f[2]), let count = Int(f[3]) else {
                    Issue.record("bad line from spool-torture: \(line)")
                    continue
                }
                committed.append(Committed(first: first, last: last, nonce: nonce, count: count))
            }
            // After each kill: the spool reopens and everything printed is there. Only children killed
            // before anything was committed (on a loaded machine a start can take longer than the
            // sleep) may leave no spool, or an LMDB environment without the spool's databases (the
            // next writer creates them): then there is nothing to verify yet.
            if committed.isEmpty, openError(path)?.code == .noSpool { continue }
            let reader = try Spool.openReadOnly(at: path)
            try verify(committed.suffix(200), reader: reader)
        }
        let spool = try Spool.open(at: path)
        try verify(committed[...], reader: spool)
        let highest = committed.map(\.last).max() ?? 0
        #expect(try spool.stats().nextSequence > highest)
        #expect(committed.count > 50, "the children should commit between kills")
        print("torture: \(kills) kills, \(committed.count) committed batches, highest sequence \(highest), "
            + "\(ContinuousClock.now - started)")
    }

    /// The error opening the spool at `path` read-only throws, if any.
    private func openError(_ path: String) -> SpoolError? {
        do {
            try Spool.openReadOnly(at: path).close()
            return nil
        } catch {
            return error
        }
    }

    private func verify(_ batches: ArraySlice<Committed>, reader: Spool) throws {
        var previous: UInt64 = 0
        for batch in batches {
            #expect(batch.first > previous, "sequences must increase across batches and restarts")
            #expect(Int(batch.last - batch.first + 1) == batch.count)
            previous = batch.last
            let frames = try reader.read(from: batch.first, maxFrames: batch.count)
            #expect(frames.map(\.sequence) == Array(batch.first...batch.last))
            for (index, frame) in frames.enumerated() {
                let nonce = frame.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let i = frame.bytes.dropFirst(8).prefix(4).reduce(0) { $0 << 8 | Int($1) }
                #expect(nonce == batch.nonce && i == index && frame.receiveTime == batch.nonce)
            }
        }
    }
}
