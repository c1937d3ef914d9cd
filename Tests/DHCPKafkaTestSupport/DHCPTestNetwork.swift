import Foundation

/// Three network namespaces joined by veth pairs, for running a real DHCPv6 server and its clients.
///
///     client [c-eth0] ---------------------- [s-eth0 2001:db8:1::1/64]   server
///     relay  [r-up 2001:db8:ff::2/64] ------ [s-eth1 2001:db8:ff::1/64]
///
/// The relay namespace plays a relay agent (relay-forw from 2001:db8:ff::2 port 547, link address
/// ``relayLinkAddress``). Unix sockets live in the file system, so a server in a namespace writes
/// to a daemon running outside. Duplicate address detection is off, so addresses are usable at once.
/// ``close()`` (also run by `deinit`) SIGKILLs every process left in the namespaces and deletes them;
/// namespaces left by a test process that died are removed by the next one.
public final class DHCPTestNetwork: @unchecked Sendable {
    /// The server's namespace.
    public let server: String
    /// The directly attached client's namespace.
    public let client: String
    /// The relay agent's namespace.
    public let relay: String

    /// The server's interface towards the client (``serverAddress`` on it).
    public static let serverInterface = "s-eth0"
    /// The server's interface towards the relay (``serverRelayAddress`` on it).
    public static let serverRelayInterface = "s-eth1"
    /// The client's interface.
    public static let clientInterface = "c-eth0"
    /// The relay's interface towards the server.
    public static let relayInterface = "r-up"
    /// The server's address on the client link (subnet 2001:db8:1::/64).
    public static let serverAddress = "2001:db8:1::1"
    /// The server's address on the relay link.
    public static let serverRelayAddress = "2001:db8:ff::1"
    /// The relay agent's address (source of relay-forw messages).
    public static let relayAddress = "2001:db8:ff::2"
    /// The link address the relay puts in relay-forw messages (subnet 2001:db8:2::/64).
    public static let relayLinkAddress = "2001:db8:2::1"
    /// The client interface's MAC address (its link-local address derives from it).
    public static let clientMAC = "02:00:00:00:c1:01"

    private static let prefix = "dkn"
    private var closed = false
    private let lock = NSLock()
    private var started: [Started] = []

    private struct Started {
        weak var child: ChildProcess?
    }

    /// Creates the namespaces, links and addresses, and waits until the link-local addresses are usable.
    public init() throws {
        Self.removeStale()
        let tag = "\(Self.prefix)\(getpid())x\(Self.counter.next())"
        server = tag + "s"
        client = tag + "c"
        relay = tag + "r"
        do {
            try setUp()
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    private func setUp() throws {
        for namespace in [server, client, relay] {
            try ip(["netns", "add", namespace])
            try ip(["-n", namespace, "link", "set", "lo", "up"])
            for key in ["all", "default"] {
                try sysctl(namespace, "net.ipv6.conf.\(key).accept_dad=0")
                try sysctl(namespace, "net.ipv6.conf.\(key).accept_ra=0")
            }
        }
        try ip(["link", "add", Self.clientInterface, "address", Self.clientMAC, "netns", client, "type", "veth",
                "peer", "name", Self.serverInterface, "address", "02:00:00:00:5e:00", "netns", server])
        try ip(["link", "add", Self.relayInterface, "address", "02:00:00:00:4e:02", "netns", relay, "type", "veth",
                "peer", "name", Self.serverRelayInterface, "address", "02:00:00:00:5e:01", "netns", server])
        try ip(["-n", server, "-6", "addr", "add", "\(Self.serverAddress)/64", "dev", Self.serverInterface, "nodad"])
        try ip(["-n", server, "-6", "addr", "add", "\(Self.serverRelayAddress)/64", "dev", Self.serverRelayInterface, "nodad"])
        try ip(["-n", relay, "-6", "addr", "add", "\(Self.relayAddress)/64", "dev", Self.relayInterface, "nodad"])
        let links = [(server, Self.serverInterface), (server, Self.serverRelayInterface), (client, Self.clientInterface),
                     (relay, Self.relayInterface)]
        for (namespace, interface) in links { try ip(["-n", namespace, "link", "set", interface, "up"]) }
        for (namespace, interface) in links {
            let ready = waitUntil(timeout: 10) {
                guard let shown = try? runProcess(Self.ipTool, ["-n", namespace, "-6", "addr", "show", "dev", interface]) else {
                    return false
                }
                return shown.stdoutText.contains("scope link") && !shown.stdoutText.contains("tentative")
            }
            guard ready else { throw SubprocessError(description: "no usable link-local address on \(namespace)/\(interface)") }
        }
    }

    /// The link-local address of `interface` in `namespace`.
    public func linkLocalAddress(in namespace: String, interface: String) throws -> String {
        let shown = try runProcess(Self.ipTool, ["-n", namespace, "-6", "-o", "addr", "show", "dev", interface, "scope", "link"])
        guard let field = shown.stdoutText.split(separator: " ").first(where: { $0.hasPrefix("fe80:") }) else {
            throw SubprocessError(description: "no link-local address on \(namespace)/\(interface)")
        }
        return String(field.split(separator: "/")[0])
    }

    /// Runs a command inside `namespace` and waits for it (with an empty signal mask, see ``start``).
    public func run(
        in namespace: String, _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        timeout: Double = 120
    ) throws -> ProcessResult {
        try runProcess(Self.ipTool, Self.exec(in: namespace, executable, arguments), environment: environment, timeout: timeout)
    }

    /// Starts a long-running command inside `namespace` (killed by ``close()`` at the latest).
    ///
    /// Every command in a namespace starts with an empty signal mask, as a server started by init
    /// does (``withEmptySignalMask(_:)``): Kea and dhclient stop on SIGTERM, DHCPKit's forkserver
    /// sees its workers exit.
    public func start(
        in namespace: String, _ executable: String, _ arguments: [String], logPath: String,
        environment: [String: String]? = nil
    ) throws -> ChildProcess {
        let child = try ChildProcess(
            Self.ipTool, Self.exec(in: namespace, executable, arguments), logPath: logPath, environment: environment,
            standardOutputToLog: true)
        lock.withLock { started.append(Started(child: child)) }
        return child
    }

    /// `ip` arguments that run `executable` in `namespace` with an empty signal mask.
    private static func exec(in namespace: String, _ executable: String, _ arguments: [String]) -> [String] {
        ["netns", "exec", namespace] + withEmptySignalMask([executable] + arguments)
    }

    /// SIGKILLs every process in the namespaces and deletes them. Safe to call more than once.
    public func close() {
        guard !closed else { return }
        closed = true
        // What ``start`` started, by process: one started just before may not have entered its
        // namespace yet, so `ip netns pids` would not list it.
        for child in lock.withLock({ started.compactMap(\.child) }) where child.process.isRunning { child.signal(SIGKILL) }
        for namespace in [server, client, relay] { Self.delete(namespace) }
    }

    private func ip(_ arguments: [String]) throws {
        let result = try runProcess(Self.ipTool, arguments)
        guard result.status == 0 else {
            throw SubprocessError(description: "ip \(arguments.joined(separator: " ")) failed: \(result.stderrText)")
        }
    }

    private func sysctl(_ namespace: String, _ setting: String) throws {
        let result = try run(in: namespace, "/usr/sbin/sysctl", ["-qw", setting])
        guard result.status == 0 else { throw SubprocessError(description: "sysctl \(setting) failed: \(result.stderrText)") }
    }

    private static let ipTool = URL(fileURLWithPath: "/usr/sbin/ip")

    private static func delete(_ namespace: String) {
        for _ in 0..<3 {
            let pids = (try? runProcess(ipTool, ["netns", "pids", namespace]))?.stdoutText ?? ""
            let list = pids.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
            if list.isEmpty { break }
            for pid in list { kill(pid, SIGKILL) }
            usleep(50_000)
        }
        _ = try? runProcess(ipTool, ["netns", "delete", namespace])
    }

    /// Deletes namespaces of earlier test processes that no longer run.
    private static func removeStale() {
        let listed = (try? runProcess(ipTool, ["netns", "list"]))?.stdoutText ?? ""
        for line in listed.split(separator: "\n") {
            let name = String(line.split(separator: " ")[0])
            guard name.hasPrefix(prefix), let x = name.firstIndex(of: "x"),
                let owner = Int32(name[name.index(name.startIndex, offsetBy: prefix.count)..<x])
            else { continue }
            if owner != getpid(), kill(owner, 0) != 0 { delete(name) }
        }
    }

    private static let counter = Counter()

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
    }
}
