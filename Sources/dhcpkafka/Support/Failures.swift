import ArgumentParser
import DHCPKafkaRuntime
import Logging

/// The one place where `run`, the ingest worker and `forward` turn the error they stop on into
/// log lines and an exit status: every such error says its status (``ExitStatusProviding``;
/// docs/operations.md lists them). Anything else is ArgumentParser's to report (exit 1).
enum Failures {
    /// Runs `body`; an ``ExitStatusProviding`` error it throws is logged (critical, one line per
    /// line of its description) and becomes that exit status.
    static func exitingWithStatus(logger: Logger, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as any ExitStatusProviding {
            for line in error.description.split(separator: "\n") { logger.critical("\(line)") }
            throw ExitCode(error.exitStatus)
        }
    }
}
