import DHCPKafkaMetrics
import DHCPKafkaRuntime
import DHCPKafkaSocket
import DHCPKafkaSpool

// The exit status of each error the daemon and the forwarder stop on (docs/operations.md), in one
// place. The command line maps any ``ExitStatusProviding`` error to its log lines and this status.

/// The spool cannot be opened or written (held by another daemon, damaged, disk full): exit 1.
extension SpoolError: ExitStatusProviding {
    public var exitStatus: Int32 { ExitStatus.runtimeFailure }
}

/// The ingest socket cannot be bound, adopted or read: exit 1.
extension SocketError: ExitStatusProviding {
    public var exitStatus: Int32 { ExitStatus.runtimeFailure }
}

/// The metrics endpoint cannot listen: exit 1.
extension MetricsEndpointError: ExitStatusProviding {
    public var exitStatus: Int32 { ExitStatus.runtimeFailure }
}

/// Frames were lost at shutdown: exit 1.
extension IngestError: ExitStatusProviding {
    public var exitStatus: Int32 { ExitStatus.runtimeFailure }
}

/// The supervising parent could not keep its worker: the status the worker failed with at start
/// (so `run` exits as a worker that refused its settings would), else 1.
extension SupervisorError: ExitStatusProviding {
    public var exitStatus: Int32 { workerExitStatus ?? ExitStatus.runtimeFailure }
}
