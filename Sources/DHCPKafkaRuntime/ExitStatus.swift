/// The exit statuses of `run`, `forward` and `check-config` (documented in docs/operations.md).
public enum ExitStatus {
    /// Starting or running failed: the spool, the socket, the metrics port, a fatal runtime error.
    public static let runtimeFailure: Int32 = 1
    /// The configuration (file, property file or option values) is invalid; nothing was started.
    public static let invalidConfiguration: Int32 = 2
    /// The command line itself is malformed (an unknown option, a missing value): ArgumentParser's
    /// EX_USAGE.
    public static let usage: Int32 = 64
}

/// An error that says how a long-running program ends when it fails with it: the status to exit
/// with (one of ``ExitStatus``) and, in ``description``, what happened and what to do, one log line
/// per text line. Every error the daemon and the forwarder can fail with adopts it, so the command
/// line maps any failure to its log lines and exit status in one place.
public protocol ExitStatusProviding: Error, CustomStringConvertible {
    /// The process's exit status when it stops because of this error.
    var exitStatus: Int32 { get }
}

/// A service of a running daemon failed; the group stopped the others. Exits 1, so systemd
/// (`Restart=on-failure`) starts the daemon again.
public struct ServiceFailure: ExitStatusProviding, Sendable {
    /// What the failed service threw, as text.
    public let underlying: String

    /// Wraps what a service threw.
    public init(_ error: any Error) { underlying = "\(error)" }

    /// The log line.
    public var description: String { "stopping because a service failed: \(underlying)" }

    /// Always ``ExitStatus/runtimeFailure``.
    public var exitStatus: Int32 { ExitStatus.runtimeFailure }
}
