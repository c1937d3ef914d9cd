@testable import DHCPKafkaDaemon
import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Log lines kept in memory, for asserting what a component logged.
final class CapturedLog: @unchecked Sendable {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    private let lines = Mutex<[Line]>([])
    private let observer = Mutex<(@Sendable (Line) -> Void)?>(nil)

    /// Called with every line after it was kept, on the logging thread (it may block that thread).
    func onLine(_ body: @escaping @Sendable (Line) -> Void) { observer.withLock { $0 = body } }

    /// A logger that writes here.
    func logger(_ label: String = "test") -> Logger {
        Logger(label: label) { _ in Handler(log: self) }
    }

    var all: [Line] { lines.withLock { $0 } }

    /// Lines whose message contains `text`.
    func matching(_ text: String) -> [Line] { all.filter { $0.message.contains(text) } }

    fileprivate func append(_ line: Line) {
        lines.withLock { $0.append(line) }
        observer.withLock { $0 }?(line)
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.append(Line(level: event.level, message: event.message.description,
                            metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}

/// `allow-gid` through supplementary groups: `/proc/PID/status` read and cross-checked against the
/// credentials the kernel vouched for, cached briefly.
@Suite struct SenderGroupsTests {
    @Test func parsesUidGidAndGroups() throws {
        let text = "Name:\tkea-dhcp6\nUmask:\t0022\nUid:\t107\t107\t107\t107\nGid:\t113\t113\t113\t113\nFDSize:\t64\nGroups:\t4 113 998 \n"
        let parsed = try #require(SenderGroups.parse(text))
        #expect(parsed.uid == 107)
        #expect(parsed.gid == 113)
        #expect(parsed.groups == [4, 113, 998])
        let noGroups = try #require(SenderGroups.parse("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n"))
        #expect(noGroups.groups.isEmpty, "an empty Groups: line is no groups, not an error")
        #expect(SenderGroups.parse("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n") == nil, "no Groups: line, no answer")
        #expect(SenderGroups.parse("Gid:\t0\nGroups:\t1\n") == nil, "no Uid: line, no answer")
        #expect(SenderGroups.parse(String(repeating: "\u{0}garbage\n", count: 100)) == nil)
    }

    /// This process's own status matches what the kernel says about it.
    @Test func readsThisProcess() throws {
        let status = try #require(SenderGroups.readStatus(pid: getpid()))
        #expect(status.uid == getuid())
        #expect(status.gid == getgid())
        var own = [gid_t](repeating: 0, count: 256)
        let count = getgroups(Int32(own.count), &own)
        try #require(count >= 0)
        #expect(status.groups == Set(own.prefix(Int(count))))
        #expect(SenderGroups.readStatus(pid: Int32.max) == nil, "no such process (above any pid_max)")
    }

    /// A real process with supplementary groups 4242 and 4243: found with its own uid and gid,
    /// refused with any other (a reused pid is not taken for the sender, whatever the cache holds),
    /// and forgotten once the process is gone and the cached entry aged out.
    @Test func crossChecksCredentialsAndForgetsExitedProcesses() throws {
        let directory = try TemporaryDirectory(prefix: "dk-groups")
        let child = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/setpriv"), ["--groups", "4242,4243", "/bin/sleep", "600"],
            logPath: directory.appending("child.log"))
        defer { if child.process.isRunning { child.killHard() } }
        let pid = child.process.processIdentifier
        let groups = SenderGroups()
        // setpriv execs sleep once it has set the groups: wait for that, not for a time.
        #expect(waitUntil(timeout: 60) { SenderGroups.readStatus(pid: pid)?.groups == [4242, 4243] })
        #expect(groups.groups(pid: pid, uid: getuid(), gid: getgid()) == [4242, 4243])
        #expect(groups.groups(pid: pid, uid: getuid() &+ 1, gid: getgid()) == nil, "another uid than the kernel's")
        #expect(groups.groups(pid: pid, uid: getuid(), gid: getgid() &+ 1) == nil, "another gid than the kernel's")
        #expect(groups.groups(pid: pid, uid: getuid(), gid: getgid()) == [4242, 4243], "read again after the mismatch")
        #expect(groups.groups(pid: 0, uid: 0, gid: 0) == nil)
        #expect(groups.groups(pid: -1, uid: 0, gid: 0) == nil)
        child.killHard()
        #expect(child.wait(timeout: 60) != nil)
        #expect(waitUntil(timeout: 60) { groups.groups(pid: pid, uid: getuid(), gid: getgid()) == nil },
                "a process that is gone is not vouched for from the cache for ever")
    }
}

/// The receiver-to-committer double buffer: order, back-pressure, put-back, close and abandon.
@Suite struct PendingFramesTests {
    private func frames(_ batch: SpoolBatch) -> [[UInt8]] { (0..<batch.count).map { Array(batch.bytes[batch.range(of: $0)]) } }

    @Test func handsOverInOrderWithCounterDeltas() throws {
        let pending = PendingFrames(maxBytes: 1 << 20)
        #expect(pending.add { batch, deltas in
            batch.append([1, 2], receivedAt: 10)
            batch.append([3], receivedAt: 11)
            deltas["received", default: 0] += 2
        })
        pending.add { batch, deltas in
            batch.append([4], receivedAt: 12)
            deltas["received", default: 0] += 1
            deltas["rejected.truncated", default: 0] += 1
        }
        let taken = try #require(pending.takeAll(timeout: .seconds(30)))
        #expect(frames(taken.batch) == [[1, 2], [3], [4]])
        #expect(taken.batch.receiveTimes == [10, 11, 12])
        #expect(taken.counterDeltas == ["received": 3, "rejected.truncated": 1])
        let empty = try #require(pending.takeAll(timeout: .milliseconds(1)), "an empty hand-over while open, not the end")
        #expect(empty.batch.isEmpty && empty.counterDeltas.isEmpty)
        pending.add { batch, _ in batch.append([5], receivedAt: 13) }
        pending.close()
        let last = try #require(pending.takeAll(timeout: .seconds(30)), "what was added before close is still handed over")
        #expect(frames(last.batch) == [[5]])
        #expect(pending.takeAll(timeout: .seconds(30)) == nil, "closed and drained")
    }

    /// A batch that failed to commit goes back in front of what arrived meanwhile, with its deltas.
    @Test func putBackKeepsTheOrder() throws {
        let pending = PendingFrames(maxBytes: 1 << 20)
        pending.add { batch, deltas in
            batch.append([1], receivedAt: 1)
            deltas["received"] = 1
        }
        let failed = try #require(pending.takeAll(timeout: .seconds(30)))
        pending.add { batch, deltas in
            batch.append([2], receivedAt: 2)
            deltas["received"] = 1
        }
        pending.putBack(failed.batch, counterDeltas: failed.counterDeltas)
        let again = try #require(pending.takeAll(timeout: .seconds(30)))
        #expect(frames(again.batch) == [[1], [2]])
        #expect(again.batch.receiveTimes == [1, 2])
        #expect(again.counterDeltas == ["received": 2])
    }

    /// A full buffer blocks the receiver until the committer takes it. The receiver thread may
    /// reach its wait only after the take (then it need not wait), so the round is repeated, with a
    /// growing pause before the take, until the receiver was seen waiting; in every round it must
    /// not get past a full buffer before the take.
    @Test func waitForRoomBlocksUntilTaken() throws {
        let pending = PendingFrames(maxBytes: 100)
        #expect(pending.waitForRoom() == false, "room at the start: no wait")
        var pause: UInt32 = 1_000
        var waited = false
        let deadline = Date().addingTimeInterval(120)
        while !waited && Date() < deadline {
            pending.add { batch, _ in batch.append([UInt8](repeating: 7, count: 150), receivedAt: 1) }
            let returned = Atomic<Int>(-1)
            let thread = Thread { returned.store(pending.waitForRoom() ? 1 : 0, ordering: .sequentiallyConsistent) }
            thread.start()
            usleep(pause)
            #expect(returned.load(ordering: .sequentiallyConsistent) == -1, "still waiting while the buffer is full")
            let taken = try #require(pending.takeAll(timeout: .seconds(30)))
            #expect(taken.batch.count == 1)
            #expect(waitUntil(timeout: 60) { returned.load(ordering: .sequentiallyConsistent) != -1 }, "let go once taken")
            waited = returned.load(ordering: .sequentiallyConsistent) == 1
            pause = min(pause * 2, 1_000_000)
        }
        #expect(waited, "it reports that it had to wait (counted as a back-pressure wait)")
    }

    /// The committer gives up: what was pending is dropped and counted, later frames are refused,
    /// and a waiting receiver is let go.
    @Test func abandonDropsCountsAndRefuses() throws {
        let pending = PendingFrames(maxBytes: 10)
        pending.add { batch, deltas in
            batch.append([UInt8](repeating: 1, count: 8), receivedAt: 1)
            batch.append([UInt8](repeating: 2, count: 8), receivedAt: 2)
            deltas["received"] = 2
        }
        let released = Atomic<Bool>(false)
        let thread = Thread {
            _ = pending.waitForRoom()
            released.store(true, ordering: .sequentiallyConsistent)
        }
        thread.start()
        #expect(pending.abandon() == 2)
        #expect(waitUntil(timeout: 60) { released.load(ordering: .sequentiallyConsistent) }, "the blocked receiver is let go")
        #expect(pending.add { batch, _ in batch.append([3], receivedAt: 3) } == false)
        #expect(pending.takeAll(timeout: .seconds(30)) == nil)
    }
}

/// One warning per key per interval, with the number suppressed in between.
@Suite struct RateLimitedLogTests {
    @Test func oneLinePerKeyWithinTheInterval() {
        let log = CapturedLog()
        let limited = RateLimitedLog(logger: log.logger(), interval: .seconds(3600))
        for index in 0..<50 { limited.warning(key: "oversize", "frame \(index) too large") }
        limited.warning(key: "truncated", "a truncated frame", metadata: ["pid": "7"])
        let lines = log.all
        #expect(lines.map(\.message) == ["frame 0 too large", "a truncated frame"])
        #expect(lines.allSatisfy { $0.level == .warning })
        #expect(lines.last?.metadata["pid"] == "7")
        #expect(lines.allSatisfy { $0.metadata["suppressed"] == nil })
    }

    /// Every call is either logged or counted as suppressed in the key's next line: nothing vanishes
    /// (checked when a line with a suppressed count appears, however long that takes).
    @Test func suppressedLinesAreCountedInTheNextOne() {
        let log = CapturedLog()
        let limited = RateLimitedLog(logger: log.logger(), interval: .milliseconds(50))
        var calls = 0
        let found = waitUntil(timeout: 60) {
            for _ in 0..<20 {
                calls += 1
                limited.warning(key: "k", "bad datagram")
            }
            return log.all.contains { $0.metadata["suppressed"] != nil }
        }
        #expect(found)
        // Calls after the last line are not in any line yet: count only up to it.
        let lines = log.all
        let suppressed = lines.compactMap { $0.metadata["suppressed"].flatMap { Int("\($0)") } }
        #expect(suppressed.allSatisfy { $0 > 0 })
        #expect(lines.count + suppressed.reduce(0, +) <= calls)
        #expect(lines.count + suppressed.reduce(0, +) > calls - 20, "at most the last round is not accounted yet")
    }

    @Test func zeroIntervalSuppressesNothing() {
        let log = CapturedLog()
        let limited = RateLimitedLog(logger: log.logger(), interval: .zero)
        for _ in 0..<5 { limited.warning(key: "k", "x") }
        #expect(log.all.count == 5)
    }
}

/// What the watchdog asks: did both ingest loops go round lately? And rejections by reason.
@Suite struct IngestCountersTests {
    @Test func progressFollowsBothHeartbeats() {
        let counters = IngestCounters()
        #expect(counters.isMakingProgress(within: .seconds(3600)), "fresh counters: both loops count as just started")
        let now = monotonicNanoseconds()
        let hour: UInt64 = 3_600_000_000_000
        counters.receiverBeat.store(now &- 2 * hour, ordering: .relaxed)  // wraps as the check does
        #expect(!counters.isMakingProgress(within: .seconds(3600)), "a stuck receiver")
        IngestCounters.beat(counters.receiverBeat)
        #expect(counters.isMakingProgress(within: .seconds(3600)))
        counters.committerBeat.store(now &- 2 * hour, ordering: .relaxed)
        #expect(!counters.isMakingProgress(within: .seconds(3600)), "a stuck committer (a hung disk write)")
        IngestCounters.beat(counters.committerBeat)
        #expect(counters.isMakingProgress(within: .seconds(3600)))
    }

    /// The interval's fraction of a second counts: a beat 1 h 0.1 s ago is within 1 h 0.9 s, not within 1 h.
    @Test func subSecondIntervals() {
        let counters = IngestCounters()
        let old = monotonicNanoseconds() &- 3_600_100_000_000  // may wrap (uptime under an hour), as the check does
        counters.receiverBeat.store(old, ordering: .relaxed)
        counters.committerBeat.store(old, ordering: .relaxed)
        #expect(counters.isMakingProgress(within: .seconds(3600) + .milliseconds(900)))
        #expect(!counters.isMakingProgress(within: .seconds(3600)))
    }

    @Test func rejectionsByReason() {
        let counters = IngestCounters()
        #expect(counters.rejectedTotal == 0)
        counters.reject("truncated")
        counters.reject("truncated")
        counters.reject("oversize")
        #expect(counters.rejected == ["truncated": 2, "oversize": 1])
        #expect(counters.rejectedTotal == 3)
    }
}
