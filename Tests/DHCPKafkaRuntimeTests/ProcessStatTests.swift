import DHCPKafkaRuntime
import DHCPKafkaTestSupport
import Foundation
import Testing

/// `/proc/PID/stat`, parsed once for the supervisor, the benchmarks and the tests.
struct ProcessStatTests {
    @Test func aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() throws {
        let line = "4242 (evil ) S 1 (x) R 77 4242 4242 0 -1 4194560 100 0 0 0 123 45 0 0 20 0 1 0 999 1000 10"
        let stat = try #require(ProcessStat(parsing: line[...]))
        #expect(stat.state == "R" && stat.parent == 77)
        #expect(stat.userTicks == 123 && stat.systemTicks == 45 && stat.cpuTicks == 168)
        #expect(stat.isAlive)
    }

    @Test(arguments: ["", "1 (x)", "1 (x) S 1 2", "1 (x) ZZ 1 0 0 0 0 0 0 0 0 0 5 6", "1 (x) S -1x 0 0 0 0 0 0 0 0 0 5 6"])
    func notAStatLine(_ line: String) {
        #expect(ProcessStat(parsing: line[...]) == nil)
    }

    @Test func thisProcessAndAZombie() throws {
        let mine = try #require(ProcessStat(pid: getpid()))
        #expect(mine.parent == getppid() && mine.isAlive)
        #expect(ProcessStat(pid: 0) == nil && ProcessStat(pid: -1) == nil)
        let child = try SpawnGate.run { try Process.run(URL(fileURLWithPath: "/bin/true"), arguments: []) }
        // A zombie until it is reaped, then no entry at all: gone either way.
        let gone = (0..<500).contains { _ in
            usleep(10_000)
            return ProcessStat(pid: child.processIdentifier).map { !$0.isAlive } ?? true
        }
        #expect(gone)
        child.waitUntilExit()
    }
}
