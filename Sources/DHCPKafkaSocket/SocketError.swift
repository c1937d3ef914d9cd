import SystemPackage

/// A socket operation that failed, with the path concerned and what an operator can do about it.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    /// What was being done.
    public enum Operation: String, Sendable {
        /// Creating the socket.
        case create
        /// Binding to the path.
        case bind
        /// Setting the file mode or group of the socket file.
        case permissions
        /// Setting a socket option.
        case option
        /// Receiving.
        case receive
        /// Connecting to the path.
        case connect
        /// Sending.
        case send
    }

    /// What was being done.
    public let operation: Operation
    /// The socket path.
    public let path: String
    /// The system's error, when there is one.
    public let errno: Errno?
    /// A sentence for the operator: what happened and what to do.
    public let message: String

    /// Makes an error.
    public init(_ operation: Operation, path: String, errno: Errno?, message: String) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.message = message
    }

    /// The message, with the system error appended.
    public var description: String {
        errno.map { "\(message) (\($0))" } ?? message
    }
}
