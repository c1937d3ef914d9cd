import DHCPKafkaRuntime
import Foundation

/// What /proc says about a running process: its memory split and CPU time, its children.
struct ProcessProbe {
    /// Resident memory by kind, in bytes, from `/proc/PID/status` (VmHWM) and `/proc/PID/smaps_rollup`.
    struct Memory {
        var peak = 0
        var anonymous = 0
        var file = 0
        /// Proportional set size: shared pages (the Swift runtime, Foundation, librdkafka) divided
        /// among the processes that map them, so the PSS of two processes adds up without counting
        /// the same library page twice.
        var proportional = 0
    }

    /// VmHWM, RssAnon and RssFile of `pid` (zeros once it is gone).
    static func memory(_ pid: Int32) -> Memory {
        var memory = Memory()
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return memory }
        for line in status.split(separator: "\n") {
            let kilobytes = (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
            if line.hasPrefix("VmHWM:") { memory.peak = kilobytes }
            if line.hasPrefix("RssAnon:") { memory.anonymous = kilobytes }
            if line.hasPrefix("RssFile:") { memory.file = kilobytes }
        }
        if let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) {
            for line in rollup.split(separator: "\n") where line.hasPrefix("Pss:") {
                memory.proportional = (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
            }
        }
        return memory
    }

    /// Per thread of this process: seconds on a CPU and seconds waiting in the run queue for one
    /// (`/proc/self/task/TID/schedstat`). On a shared machine the wait says how much of a wall-clock
    /// figure was the machine's load, not the code.
    static func threadTimes() -> [Int: (cpu: Double, wait: Double)] {
        var times: [Int: (cpu: Double, wait: Double)] = [:]
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            guard let tid = Int(task),
                let text = try? String(contentsOfFile: "/proc/self/task/\(task)/schedstat", encoding: .utf8)
            else { continue }
            let fields = text.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            guard fields.count >= 2 else { continue }
            times[tid] = (fields[0] / 1e9, fields[1] / 1e9)
        }
        return times
    }

    /// User + system CPU seconds `pid` used so far (`/proc/PID/stat`, fields 14 and 15).
    static func cpuSeconds(_ pid: Int32) -> Double? {
        ProcessStat(pid: pid)?.cpuSeconds
    }

    /// The direct children of `pid` (every thread's `children` file).
    static func children(_ pid: Int32) -> [Int32] {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return [] }
        var result: [Int32] = []
        for task in tasks {
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            result += text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return result
    }

    /// User + system CPU seconds of every child this process has waited for (and of their waited-for
    /// descendants), from `getrusage(RUSAGE_CHILDREN)`.
    static func reapedChildrenCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// Runs `dhcpkafka spool stats --json` and returns one number of it.
func spoolNumber(_ spool: String, _ key: String) -> Double? {
    (try? dhcpkafka(["spool", "stats", "--spool", spool, "--json"])).flatMap { jsonNumber($0, key) }
}
