import Foundation

/// This program's own file, for the copies of itself it starts (the forwarder child of `run`, the
/// writer processes of `send`).
enum SelfExecutable {
    /// `argv[0]` when it is a path (absolute or relative to the working directory); a bare name,
    /// as a shell passes it for a program found through `PATH` (`dhcpkafka` in /usr/bin), is
    /// looked up in `PATH` the same way; else the target of /proc/self/exe. A path, not
    /// /proc/self/exe first: after a package upgrade replaced the file, a restarted child runs the
    /// installed program instead of failing on the deleted one.
    static var url: URL {
        let zero = CommandLine.arguments.first ?? ""
        if zero.contains("/") { return URL(fileURLWithPath: zero).resolvingSymlinksInPath() }
        if !zero.isEmpty {
            for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
                let candidate = "\(directory)/\(zero)"
                if candidate.hasPrefix("/"), FileManager.default.isExecutableFile(atPath: candidate) {
                    return URL(fileURLWithPath: candidate).resolvingSymlinksInPath()
                }
            }
        }
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? zero
        return URL(fileURLWithPath: target)
    }
}
