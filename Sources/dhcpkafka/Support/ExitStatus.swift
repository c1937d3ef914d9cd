/// The exit statuses of `run`, `forward` and `check-config` (documented in docs/operations.md).
enum ExitStatus {
    /// Starting or running failed: the spool, the socket, the metrics port, a fatal runtime error.
    static let runtimeFailure: Int32 = 1
    /// The configuration (file, property file or option values) is invalid; nothing was started.
    static let invalidConfiguration: Int32 = 2
    /// The command line itself is malformed (an unknown option, a missing value): ArgumentParser's
    /// EX_USAGE.
    static let usage: Int32 = 64
}
