#if canImport(Glibc)
import Glibc
#endif

/// The supplementary groups of senders, read from `/proc/PID/status`, for `allow-gid`.
///
/// `SCM_CREDENTIALS` carries only a sender's pid, uid and primary gid; the kernel gives a datagram
/// socket no supplementary groups. A writer admitted through a supplementary group (`usermod -aG
/// dhcpkafka _kea`) is therefore checked against its `Groups:` line, read while it runs. The line
/// counts only when its `Uid:` and `Gid:` match the credentials the kernel vouched for, so a pid
/// reused by another process is not taken for the sender. Used by the receiver thread only.
final class SenderGroups {
    private struct Entry {
        let uid: UInt32
        let gid: UInt32
        let groups: Set<UInt32>
        let readAt: UInt64
    }

    private var cache: [Int32: Entry] = [:]
    private let maxAgeNanoseconds: UInt64 = 1_000_000_000
    private let maxEntries = 1024

    /// The supplementary groups of the process `pid` if it still runs with `uid` and `gid`, else `nil`.
    func groups(pid: Int32, uid: UInt32, gid: UInt32) -> Set<UInt32>? {
        guard pid > 0 else { return nil }
        let now = monotonicNanoseconds()
        if let entry = cache[pid], entry.uid == uid, entry.gid == gid, now &- entry.readAt < maxAgeNanoseconds {
            return entry.groups
        }
        guard let status = Self.readStatus(pid: pid), status.uid == uid, status.gid == gid else {
            cache[pid] = nil
            return nil
        }
        if cache.count >= maxEntries { cache.removeAll(keepingCapacity: true) }
        cache[pid] = Entry(uid: uid, gid: gid, groups: status.groups, readAt: now)
        return status.groups
    }

    /// The real uid, real gid and supplementary groups in `/proc/PID/status`.
    static func readStatus(pid: Int32) -> (uid: UInt32, gid: UInt32, groups: Set<UInt32>)? {
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        var filled = 0
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.read(fd, base + filled, raw.count - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        return parse(String(decoding: buffer[0..<filled], as: UTF8.self))
    }

    /// Parses the `Uid:`, `Gid:` and `Groups:` lines of a `/proc/PID/status` text.
    static func parse(_ text: String) -> (uid: UInt32, gid: UInt32, groups: Set<UInt32>)? {
        var uid: UInt32?
        var gid: UInt32?
        var groups: Set<UInt32>?
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let key = fields.first else { continue }
            let values = fields.dropFirst().compactMap { UInt32($0) }
            switch key {
            case "Uid:": uid = values.first
            case "Gid:": gid = values.first
            case "Groups:": groups = Set(values)
            default: continue
            }
        }
        guard let uid, let gid, let groups else { return nil }
        return (uid, gid, groups)
    }
}
