import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Sockets handed to this process the way systemd passes them (`sd_listen_fds`): descriptors 3,
/// 4, ... with `LISTEN_PID` (this process), `LISTEN_FDS` (how many) and, optionally,
/// `LISTEN_FDNAMES` (colon-separated names, `FileDescriptorName=` in a socket unit, `FDNAME=` in
/// the descriptor store).
///
/// The daemon uses one protocol for every way its socket can outlive it: a systemd socket unit, the
/// systemd descriptor store after a restart of the service, and `dhcpkafka run`'s own supervising
/// parent, which passes the socket to its ingest worker exactly so.
public enum SocketActivation {
    /// The first passed descriptor (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: Int32 = 3
    /// The name the daemon gives its ingest socket (`FileDescriptorName=ingest`, `FDNAME=ingest`).
    public static let ingestName = "ingest"

    /// One descriptor passed to this process.
    public struct Passed: Sendable, Equatable {
        /// The descriptor number (3 and up).
        public let descriptor: Int32
        /// Its name, `unknown` when none was given (systemd's default).
        public let name: String
    }

    /// The descriptors `environment` passes to process `pid`; empty when none are passed or they are
    /// meant for another process (`LISTEN_PID` differs: a variable inherited by accident).
    public static func passed(environment: [String: String], pid: pid_t) throws(SocketError) -> [Passed] {
        guard let countText = environment["LISTEN_FDS"] else { return [] }
        guard let pidText = environment["LISTEN_PID"], let listenPID = pid_t(pidText) else {
            throw SocketError(
                .create, path: "", errno: nil,
                message: "LISTEN_FDS is set but LISTEN_PID is missing or not a number ('\(pidText(environment))'); "
                    + "whatever passes the socket must set LISTEN_PID to the daemon's pid, as systemd does")
        }
        guard listenPID == pid else { return [] }
        guard let count = Int32(countText), count >= 0, count <= 64 else {
            throw SocketError(
                .create, path: "", errno: nil,
                message: "LISTEN_FDS is '\(countText.prefix(20))', not a count of passed descriptors (0 to 64)")
        }
        let names = environment["LISTEN_FDNAMES"].map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        return (0..<count).map { index in
            Passed(descriptor: firstDescriptor + index, name: Int(index) < names.count ? names[Int(index)] : "unknown")
        }
    }

    private static func pidText(_ environment: [String: String]) -> String {
        String((environment["LISTEN_PID"] ?? "").prefix(20))
    }

    /// The passed descriptor to use as the ingest socket: the one named ``ingestName``, or the only
    /// one when a single unnamed descriptor was passed. `nil` when nothing was passed.
    public static func ingestDescriptor(among passed: [Passed]) throws(SocketError) -> Int32? {
        guard !passed.isEmpty else { return nil }
        if let named = passed.first(where: { $0.name == ingestName }) { return named.descriptor }
        if passed.count == 1, passed[0].name == "unknown" { return passed[0].descriptor }
        throw SocketError(
            .create, path: "", errno: nil,
            message: "\(passed.count) descriptors were passed (names: \(passed.map(\.name).joined(separator: ", "))) "
                + "but none is named '\(ingestName)'; set FileDescriptorName=\(ingestName) in the socket unit")
    }

    /// Checks that `descriptor` is an `AF_UNIX`/`SOCK_DGRAM` socket bound to `path` (as the
    /// configuration names it), and makes it close-on-exec (the daemon passes it on deliberately,
    /// never by accident). Throws an error saying what it is instead and what to change.
    public static func validate(_ descriptor: Int32, path: String) throws(SocketError) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw SocketError(
                .create, path: path, errno: .last,
                message: "descriptor \(descriptor) was passed as the ingest socket but is not open")
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw SocketError(
                .create, path: path, errno: nil,
                message: "descriptor \(descriptor) was passed as the ingest socket but is not a socket; "
                    + "pass the Unix datagram socket (ListenDatagram=\(path) in the socket unit)")
        }
        let domain = socketOption(descriptor, SO_DOMAIN)
        let type = socketOption(descriptor, SO_TYPE)
        guard domain == AF_UNIX, type == Int32(SOCK_DGRAM.rawValue) else {
            throw SocketError(
                .create, path: path, errno: nil,
                message: "descriptor \(descriptor) was passed as the ingest socket but is a \(describe(domain: domain, type: type)) "
                    + "socket; the daemon needs a Unix datagram socket: ListenDatagram=\(path) in the socket unit, "
                    + "not ListenStream= or an address")
        }
        let bound = boundPath(descriptor)
        guard let bound, sameFile(bound, path) || SocketPath.isStagingName(bound, for: path) else {
            throw SocketError(
                .create, path: path, errno: nil,
                message: "the passed ingest socket is bound to \(bound.map { "'\($0)'" } ?? "no path"), but the configured "
                    + "socket is \(path); make ListenDatagram= in the socket unit and the daemon's socket path agree")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }

    /// Removes the variables, as `sd_listen_fds(1)` does, so no child of this process takes
    /// descriptors meant for it.
    public static func clearEnvironment() {
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
    }

    private static func socketOption(_ descriptor: Int32, _ option: Int32) -> Int32 {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, option, &value, &length) == 0 else { return -1 }
        return value
    }

    private static func describe(domain: Int32, type: Int32) -> String {
        let family = domain == AF_UNIX ? "Unix" : domain == AF_INET ? "IPv4" : domain == AF_INET6 ? "IPv6" : "family \(domain)"
        let kind = type == Int32(SOCK_STREAM.rawValue) ? "stream" : type == Int32(SOCK_DGRAM.rawValue) ? "datagram"
            : type == Int32(SOCK_SEQPACKET.rawValue) ? "seqpacket" : "type \(type)"
        return "\(family) \(kind)"
    }

    /// The path a Unix socket is bound to, or `nil` when it has none (unbound or abstract).
    static func boundPath(_ descriptor: Int32) -> String? {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0, Int(length) > MemoryLayout<sa_family_t>.size else { return nil }
        let bytes = withUnsafeBytes(of: address.sun_path) { raw in Array(raw.prefix(Int(length) - MemoryLayout<sa_family_t>.size)) }
        guard let first = bytes.first, first != 0 else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Whether two paths name the same socket: equal text, or the same file (a relative path, a symlinked directory).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        guard let x = SocketPath.identity(of: a), let y = SocketPath.identity(of: b) else { return false }
        return x == y
    }
}
