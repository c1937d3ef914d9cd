import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

/// SIGKILL the daemon again and again under load from several writer processes: every frame whose
/// commit returned survives, in order, exactly once; sequences never repeat or go backwards.
@Suite(.serialized, .heavy) struct CrashSafetyTests {
    @Test func sigkillUnderLoadNeverLosesACommittedFrame() throws {
        let harness = try DaemonHarness()
        var names: [String] = []
        var writers: [ChildProcess] = []
        /// Three more writers (30 s of load each): started at first and again whenever all have
        /// finished, so every cycle has frames to commit however slowly a loaded machine runs them.
        func addWriters() throws {
            let generation = names.count / 3
            for index in 0..<3 {
                let name = "w\(index)-\(generation)"
                writers.append(try harness.writer(name: name, frames: 60_000, rate: 2_000))
                names.append(name)
            }
        }
        try addWriters()
        var rng = SplitMix64(seed: 0xD1CE)
        var lastNewest: UInt64 = 0
        var lastNext: UInt64 = 1
        var kills = 0
        // Kills that hit a live daemon after it committed frames since the previous kill.
        var midWorkKills = 0
        for cycle in 0..<55 {
            if writers.allSatisfy({ !$0.process.isRunning }) { try addWriters() }
            let daemon = try harness.start(log: "daemon-\(cycle).log")
            // Every fifth cycle kills right after start; the others once the daemon committed frames
            // beyond the last kill's, at a random moment after that.
            let early = cycle % 5 == 0
            // Writers that finish while the test waits are replaced there too: a loaded machine once
            // let the last generation finish just after the check above, and the daemon then had
            // nothing to commit for the whole wait.
            let progressed = early || waitUntil(timeout: 60) {
                if writers.allSatisfy({ !$0.process.isRunning }) { try? addWriters() }
                return (try? harness.stats())?["newest_sequence"]?.intValue.map(UInt64.init) ?? 0 > lastNewest
            }
            if !early { usleep(UInt32.random(in: 0...250_000, using: &rng)) }
            let observed = try harness.stats()
            let alive = daemon.process.isRunning
            daemon.killHard()
            kills += 1
            // Everything a reader saw committed before the kill must still be there, and more.
            let after = try harness.stats()
            let observedNewest = observed["newest_sequence"]?.intValue.map(UInt64.init) ?? 0
            let newest = after["newest_sequence"]?.intValue.map(UInt64.init) ?? 0
            let next = UInt64(after["next_sequence"]?.intValue ?? 0)
            if !early {
                #expect(progressed && alive, "cycle \(cycle): the daemon committed nothing new before the kill: \(daemon.log)")
                if progressed && alive && observedNewest > lastNewest { midWorkKills += 1 }
            }
            #expect(newest >= observedNewest, "cycle \(cycle): newest \(newest) < observed \(observedNewest)")
            #expect(newest >= lastNewest && next >= lastNext, "cycle \(cycle): sequences went backwards")
            #expect(after["stored_frames"]?.intValue == Int64(newest), "cycle \(cycle): sequences 1…\(newest) not contiguous")
            #expect(after["oldest_sequence"]?.intValue ?? 1 == 1)
            lastNewest = newest
            lastNext = next
        }
        #expect(midWorkKills == 44, "\(midWorkKills) of the 44 waited-for SIGKILLs hit a daemon that had committed frames since the last kill")
        // Let the writers finish against a running daemon, then stop it cleanly.
        let daemon = try harness.start(log: "daemon-final.log")
        for writer in writers { #expect(writer.wait(timeout: 180) == 0) }
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 20) == 0)

        let stored = try harness.storedFrames()
        #expect(stored.map(\.sequence) == Array(1...UInt64(stored.count)), "sequences are 1…n without holes")
        var missing = 0
        for name in names {
            let sent = try harness.sentTimestamps(name)
            let mine = stored.filter { $0.frame.serverName == name }.map(\.frame.timestampIn)
            #expect(mine == mine.sorted() && Set(mine).count == mine.count, "\(name): reordered or duplicated")
            #expect(Set(mine).isSubset(of: Set(sent)), "\(name): the spool holds frames the writer never sent")
            missing += sent.count - mine.count
        }
        let total = names.reduce(0) { $0 + ((try? harness.sentTimestamps($1).count) ?? 0) }
        print("crash test: \(kills) SIGKILLs (\(midWorkKills) mid-work), \(stored.count) frames stored of \(total) queued by writers; "
              + "\(missing) were in the kernel queue or the uncommitted batch at a kill")
        #expect(stored.count > 10_000, "the daemon made progress between kills")
    }
}
