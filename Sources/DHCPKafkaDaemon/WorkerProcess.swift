import CSystemShims
import Foundation

/// A child process started with descriptors passed the way systemd passes them (`LISTEN_FDS`),
/// held by a pidfd: signalled and reaped through it, never by its bare pid number.
final class WorkerProcess: @unchecked Sendable {
    /// The child's pid, for log lines.
    let pid: pid_t
    private let pidfd: Int32
    private let readyPipe: Int32
    /// The parent's end of the control channel (``WorkerControl``).
    private let control: Int32

    /// Starts `executable` with `arguments` and `environment` plus `LISTEN_PID`, `LISTEN_FDS` and
    /// `LISTEN_FDNAMES` for `sockets` (descriptor and name; they become 3, 4, ... in the child),
    /// a pipe after them whose number is in ``readyDescriptorVariable`` (the child writes a byte to
    /// it once it is ready), and the child's end of a control channel after that, whose number is
    /// in ``WorkerControl/descriptorVariable``.
    init(
        executable: String, arguments: [String], environment: [String: String], sockets: [(Int32, String)]
    ) throws(SupervisorError) {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            throw SupervisorError("cannot create a pipe for the ingest worker: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        var controlEnds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &controlEnds) == 0 else {
            let reason = String(cString: strerror(errno))
            close(pipeEnds[0])
            close(pipeEnds[1])
            throw SupervisorError("cannot create the ingest worker's control channel: \(reason)")
        }
        let readyChildEnd = SocketActivationSlots.first + Int32(sockets.count)
        var variables = environment
        variables["LISTEN_FDS"] = String(sockets.count)
        variables["LISTEN_FDNAMES"] = sockets.map(\.1).joined(separator: ":")
        variables[Self.readyDescriptorVariable] = String(readyChildEnd)
        variables[WorkerControl.descriptorVariable] = String(readyChildEnd + 1)
        variables["LISTEN_PID"] = nil
        // The child writes its pid into this entry after the fork, as systemd does.
        let pidEntry = "LISTEN_PID=" + String(repeating: " ", count: 20)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { (text: String) in strdup(text) } + [nil]
        let entries: [String] = variables.map { "\($0.key)=\($0.value)" } + [pidEntry]
        let envp: [UnsafeMutablePointer<CChar>?] = entries.map { (text: String) in strdup(text) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        let slot = envp[envp.count - 2].map { $0 + 11 }
        let descriptors = sockets.map(\.0) + [pipeEnds[1], controlEnds[1]]
        var pidfd: Int32 = -1
        let pid = descriptors.withUnsafeBufferPointer { fds in
            dk_spawn_with_fds(executable, argv, envp, fds.baseAddress, Int32(fds.count), slot, &pidfd)
        }
        close(pipeEnds[1])
        close(controlEnds[1])
        guard pid > 0 else {
            close(pipeEnds[0])
            close(controlEnds[0])
            throw SupervisorError("cannot start the ingest worker \(executable): \(String(cString: strerror(errno)))")
        }
        self.pid = pid
        self.pidfd = pidfd
        self.readyPipe = pipeEnds[0]
        self.control = controlEnds[0]
    }

    deinit {
        if pidfd >= 0 { close(pidfd) }
        close(readyPipe)
        close(control)
    }

    /// Sends one message on the control channel without blocking (a worker that stopped reading
    /// misses it; its successor starts with the same configuration from its environment). Returns
    /// whether it was sent.
    func sendControl(_ message: [UInt8]) -> Bool {
        message.withUnsafeBytes { send(control, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) } == message.count
    }

    /// The variable naming the descriptor the worker writes a byte to once it is ready.
    static let readyDescriptorVariable = "DHCPKAFKA_READY_FD"

    /// Sends `signal` to the child while it exists (through its pidfd: never to a process that
    /// reused its number; without pidfds, the number is still ours until we reap it).
    func signal(_ signal: Int32) {
        if pidfd >= 0 { _ = dk_pidfd_send_signal(pidfd, signal) } else { kill(pid, signal) }
    }

    /// Whether the child has exited (its pidfd is readable); it may not be reaped yet.
    var hasExited: Bool { pidfd >= 0 ? dk_pidfd_wait_exit(pidfd, 0) == 1 : kill(pid, 0) != 0 }

    /// What happened first while waiting.
    enum Event { case ready, exited }

    /// Blocks until the child said it is ready or exited (ready is reported once).
    func waitForReadyOrExit() -> Event {
        var entries = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: readyPipe, events: Int16(POLLIN), revents: 0)]
        while true {
            let rc = poll(&entries, 2, -1)
            if rc < 0 && errno == EINTR { continue }
            if entries.count > 1, entries[1].revents != 0 {
                var byte: UInt8 = 0
                if read(readyPipe, &byte, 1) == 1 { return .ready }
                // The pipe closed without a byte: the child exited before it was ready.
                entries[1].events = 0
                entries[1].fd = -1
            }
            if entries[0].revents != 0 { return .exited }
        }
    }

    /// Blocks until the child exited, then reaps it: its exit status, or 128 + the signal that killed it.
    func waitAndReap() -> Int32 {
        if pidfd >= 0 { _ = dk_pidfd_wait_exit(pidfd, -1) }
        let status = dk_pidfd_reap(pidfd, pid)
        if status < 0 { return -1 }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f
    }
}

/// Where passed descriptors start in a child (`SD_LISTEN_FDS_START`).
enum SocketActivationSlots {
    static let first: Int32 = 3
}

/// The supervisor could not start or keep its worker.
public struct SupervisorError: Error, CustomStringConvertible, Sendable {
    /// What happened and what to do.
    public let description: String
    /// The status the worker exited with when it failed at start, if any (``exitStatus`` is this, or 1).
    public let workerExitStatus: Int32?
    init(_ description: String, exitStatus: Int32? = nil) {
        self.description = description
        self.workerExitStatus = exitStatus
    }
}
