import DHCPKafkaSpool
import Foundation
import JSONValue
import Testing

extension CrashLoopRun {
    /// After the kills: the writers finish, the last forwarder drains the spool with the broker up,
    /// both processes stop gracefully, and Kafka is read back and held against the writers' logs.
    func finish() throws -> String {
        var sent: [String: Set<UInt64>] = [:]
        var sentTotal = 0
        var refused: Int64 = 0
        var queueFull: Int64 = 0
        for (name, writer) in zip(names, writers) {
            #expect(writer.wait(timeout: 300) == 0, "\(writer.log)")
            let counters = try JSONValue.parse(writer.standardOutput())
            refused += counters["dropped_daemon_down"]?.intValue ?? -1
            queueFull += counters["dropped_queue_full"]?.intValue ?? 0
            let lines = try String(contentsOfFile: directory.appending("sent-\(name).0"), encoding: .utf8).split(separator: "\n")
            sent[name] = Set(lines.compactMap { Double($0)?.bitPattern })
            #expect(sent[name]?.count == lines.count, "\(name) logged a timestamp twice")
            #expect(Int64(lines.count) == counters["sent"]?.intValue, "\(name): the log holds every frame counted as sent")
            sentTotal += lines.count
        }
        let drained = waitUntil(timeout: 240) {
            guard let stats = self.stats, let received = stats.counters["received"] else { return false }
            return stats.storedFrames == 0 && received >= UInt64(sentTotal) && stats.appendedFrames == received
        }
        try #require(drained, "not drained: \(String(describing: stats)); forwarder: \(forwarder?.log ?? "")")
        forwarder?.signal(SIGTERM)
        #expect(forwarder?.wait(timeout: 60) == 0, "\(forwarder?.log ?? "")")
        ingest.signal(SIGTERM)
        #expect(ingest.wait(timeout: 60) == 0, "\(ingest.log)")
        let final = try #require(stats)
        let records = try broker.readBack(Int(final.appendedFrames))
        let found = tallyRecords(records, identity: final.identity, accepted: final.appendedFrames, sent: sent)
        let repeated = final.counters["possibly_repeated"] ?? 0
        let skippedAtStart = (1...forwarders).filter { index in
            let log = (try? String(contentsOfFile: directory.appending("forward-\(index).log"), encoding: .utf8)) ?? ""
            return log.contains("Kafka already holds records of this spool")
        }.count
        let seconds = Date().timeIntervalSince(started)
        let report = "\(broker.name) crash loop: \(String(format: "%.0f", seconds)) s, \(tally.real) of \(tally.ingestSent + forwarders - 1) "
            + "SIGKILLs mid-work (ingest worker \(tally.ingest), forwarder \(tally.forwarder); during \(outagesDone) outages "
            + "\(tally.ingestDuringOutage) + \(tally.forwarderDuringOutage)), \(sentTotal) frames sent, \(final.appendedFrames) accepted, "
            + "\(records.count) records, \(found.missingSent) sent frames missing, \(found.missingSequences) sequences missing, "
            + "\(found.duplicatedSequences) sequences duplicated, \(found.storedTwice) frames stored twice by ingest "
            + "(\(repeated) counted possibly_repeated, \(final.counters["repeats_skipped"] ?? 0) repeats skipped), "
            + "\(skippedAtStart) forwarder starts skipped records already in Kafka, \(refused) refused, \(queueFull) dropped on a full queue"
        print(report)
        if found.missingSent + found.missingSequences + found.duplicatedSequences + found.unknown > 0 {
            print(diagnosis(records, found: found))
        }
        if !tally.notReady.isEmpty { print("\(broker.name) crash loop, kills that did not count: \(tally.notReady.joined(separator: "; "))") }

        // (a) every frame a writer's send() queued is in Kafka; nothing else is.
        #expect(found.missingSent == 0, "\(found.missingSent) frames the writers sent are not in Kafka")
        #expect(found.unknown == 0, "\(found.unknown) records in Kafka no writer sent")
        // (b) every (spool, sequence) exactly once.
        #expect(found.missingSequences == 0 && found.duplicatedSequences == 0 && found.foreign == 0,
                "\(found.missingSequences) sequences missing, \(found.duplicatedSequences) duplicated (first \(found.firstDuplicates)), \(found.foreign) of another spool or not a frame")
        #expect(records.count == Int(final.appendedFrames), "\(records.count) records for \(final.appendedFrames) accepted frames")
        // (c) a frame stored twice by ingest only where the daemon counted it as possibly repeated.
        #expect(UInt64(found.storedTwice) <= repeated, "\(found.storedTwice) frames stored twice, \(repeated) counted as possibly repeated")
        // (d) no writer saw the socket refused.
        #expect(refused == 0, "writers saw the socket refused \(refused) times")
        #expect(final.evictedFrames == 0, "the spool never filled")
        #expect(final.counters["ingest_restarts"] == UInt64(tally.ingestSent), "every worker SIGKILL was a restart: \(final.counters)")
        #expect(tally.real >= loop.kills * 9 / 10, "\(tally.real) of \(loop.kills) SIGKILLs hit a process in the middle of its work")
        #expect(tally.ingest >= loop.kills * 2 / 5 && tally.forwarder >= loop.kills * 2 / 5, "both kinds were killed: \(tally)")
        #expect(outagesDone >= 2 && tally.ingestDuringOutage >= 1 && tally.forwarderDuringOutage >= 1, "kills landed during outages: \(tally)")
        return report
    }

    /// The timeline, each forwarder's startup scan, and where the copies of the first duplicated
    /// sequences are, for a failed run.
    func diagnosis(_ records: [ReadBackRecord], found: CrashLoopFindings) -> String {
        var lines = ["\(broker.name) crash loop timeline:"] + timeline
        for index in 1...forwarders {
            let log = (try? String(contentsOfFile: directory.appending("forward-\(index).log"), encoding: .utf8)) ?? ""
            for line in log.split(separator: "\n") where line.contains("already holds") || line.contains("fatal") || line.contains("fallback") {
                lines.append("forwarder \(index): \(line)")
            }
        }
        let wanted = Set(found.firstDuplicates.map(String.init))
        for record in records where wanted.contains(record.sequence) {
            lines.append("sequence \(record.sequence): partition \(record.partition) offset \(record.offset)")
        }
        return lines.joined(separator: "\n")
    }

    /// What the records read back say, against the spool's identity, the accepted count and the writers' logs.
    func tallyRecords(_ records: [ReadBackRecord], identity: String, accepted: UInt64, sent: [String: Set<UInt64>]) -> CrashLoopFindings {
        var findings = CrashLoopFindings()
        var copies: [UInt64: Int] = [:]
        var sequencesOfFrame: [String: [UInt64: Set<UInt64>]] = [:]
        for record in records {
            guard record.spool == identity, let sequence = UInt64(record.sequence) else {
                findings.foreign += 1
                continue
            }
            copies[sequence, default: 0] += 1
            sequencesOfFrame[record.server, default: [:]][record.timestampIn.bitPattern, default: []].insert(sequence)
        }
        findings.missingSequences = accepted == 0 ? 0 : (1...accepted).filter { copies[$0] == nil }.count
        let duplicated = copies.filter { $0.value > 1 }.keys.sorted()
        findings.duplicatedSequences = duplicated.count
        findings.firstDuplicates = Array(duplicated.prefix(40))
        findings.foreign += copies.keys.filter { $0 > accepted }.count
        for (server, frames) in sequencesOfFrame {
            let logged = sent[server] ?? []
            findings.unknown += frames.keys.filter { !logged.contains($0) }.count
            findings.storedTwice += frames.values.reduce(0) { $0 + $1.count - 1 }
        }
        for (server, logged) in sent {
            let stored = sequencesOfFrame[server] ?? [:]
            findings.missingSent += logged.filter { stored[$0] == nil }.count
        }
        return findings
    }
}

/// Counts from reading a crash loop's topic back.
struct CrashLoopFindings {
    var missingSent = 0
    var unknown = 0
    var missingSequences = 0
    var duplicatedSequences = 0
    var firstDuplicates: [UInt64] = []
    var foreign = 0
    var storedTwice = 0
}
