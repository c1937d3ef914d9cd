#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A process's state, parent and CPU time from its `/proc/PID/stat` line: the one parser of that
/// file for the supervisor, the benchmarks and the tests. The command name (field 2) may contain
/// spaces and parentheses, so the fields are counted from the last `)`.
public struct ProcessStat: Sendable, Equatable {
    /// Field 3: `R`, `S`, `D`, `Z` (zombie), `X` (dead), ….
    public let state: Character
    /// Field 4: the parent's pid.
    public let parent: Int32
    /// Fields 14 and 15: user and system CPU time in clock ticks (`sysconf(_SC_CLK_TCK)` a second).
    public let userTicks: UInt64
    public let systemTicks: UInt64

    /// Parses a `/proc/PID/stat` line; nil when it is not one.
    public init?(parsing text: Substring) {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let state = fields[0].first, fields[0].count == 1, let parent = Int32(fields[1]),
            let user = UInt64(fields[11]), let system = UInt64(fields[12])
        else { return nil }
        self.state = state
        self.parent = parent
        self.userTicks = user
        self.systemTicks = system
    }

    /// The stat of the process `pid` now; nil when it does not exist (or /proc is not mounted).
    public init?(pid: Int32) {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        self.init(parsing: text[...])
    }

    /// Whether the process runs: a zombie nobody reaped yet counts as gone.
    public var isAlive: Bool { state != "Z" && state != "X" }

    /// User + system CPU time in clock ticks.
    public var cpuTicks: UInt64 { userTicks + systemTicks }

    /// User + system CPU time in seconds.
    public var cpuSeconds: Double { Double(cpuTicks) / Double(sysconf(Int32(_SC_CLK_TCK))) }
}
