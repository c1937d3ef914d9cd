import Foundation

/// A failure that ends the benchmark with a message.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The `dhcpkafka` binary built next to this one (same configuration).
var dhcpkafkaBinary: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("dhcpkafka")
}

/// `dhcpkafka run` on `directory`'s socket and spool against `brokers`, started and waited for until
/// its socket exists; `extra` options are appended. The caller kills it (SIGKILL or SIGTERM).
func startDaemon(in directory: String, brokers: String, extra: [String] = []) throws
    -> (process: Process, socket: String, spool: String)
{
    let socket = directory + "/ingest.sock"
    let spool = directory + "/spool"
    let daemon = Process()
    daemon.executableURL = dhcpkafkaBinary
    daemon.arguments = ["run", "--socket", socket, "--spool", spool, "--broker", brokers] + extra
    daemon.standardError = FileHandle.nullDevice
    try daemon.run()
    for _ in 0..<500 where !FileManager.default.fileExists(atPath: socket) { usleep(10_000) }
    guard FileManager.default.fileExists(atPath: socket) else {
        kill(daemon.processIdentifier, SIGKILL)
        throw BenchError("dhcpkafka run made no socket at \(socket) within 5 s")
    }
    return (daemon, socket, spool)
}

/// Runs `dhcpkafka` with `arguments` and returns its standard output.
func dhcpkafka(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = dhcpkafkaBinary
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchError("dhcpkafka \(arguments) exited \(process.terminationStatus)") }
    return String(decoding: data, as: UTF8.self)
}

/// A number from a JSON object printed by `dhcpkafka … --json`.
func jsonNumber(_ text: String, _ key: String) -> Double? {
    guard let data = text.data(using: .utf8),
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return nil }
    return (object[key] as? NSNumber)?.doubleValue
}

/// Peak resident set size of a process in bytes (VmHWM), read before it exits.
func peakRSS(pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first
        return kilobytes.map { $0 * 1024 }
    }
    return nil
}

/// Prints one machine-readable result line.
func emit(_ fields: [(String, Any)]) {
    let body = fields.map { key, value -> String in
        let rendered: String
        switch value {
        case let text as String: rendered = "\"\(text)\""
        case let number as Double: rendered = number.isFinite ? String(format: "%.3f", number) : "null"
        default: rendered = "\(value)"
        }
        return "\"\(key)\":\(rendered)"
    }
    FileHandle.standardOutput.write(Data(("{" + body.joined(separator: ",") + "}\n").utf8))
}

/// Writes a line for humans to standard error.
func note(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// User + system CPU seconds of this process (`RUSAGE_SELF`) or of its waited-for children
/// (`RUSAGE_CHILDREN`): on a machine shared with other work, CPU per record is the steadier figure.
func cpuSeconds(_ who: __rusage_who = RUSAGE_SELF) -> Double {
    var usage = rusage()
    guard getrusage(__rusage_who_t(who.rawValue), &usage) == 0 else { return 0 }
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
