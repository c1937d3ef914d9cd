import DHCPKafkaRuntime

/// A command-line failure with a message for the operator; exits with status 2.
struct CLIError: ExitStatusProviding, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// Always ``ExitStatus/invalidConfiguration``.
    var exitStatus: Int32 { ExitStatus.invalidConfiguration }
}
