import DHCPKafkaRuntime
import Foundation

/// The ingest worker of the `dhcpkafka run` with pid `parent`: its child running `dhcpkafka ingest-worker`.
public func ingestWorker(of parent: Int32) -> Int32? {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
    for entry in entries {
        guard let pid = Int32(entry), ProcessStat(pid: pid)?.parent == parent,
            let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
            command.split(separator: "\0").dropFirst().first == "ingest-worker"
        else { continue }
        return pid
    }
    return nil
}
