/// Everything wrong with a config file, each problem with its file and line. Thrown as a whole so an
/// operator fixes all mistakes in one round instead of one per restart.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public let issues: [ConfigIssue]

    /// Wraps the problems found.
    public init(_ issues: [ConfigIssue]) { self.issues = issues }

    /// One line per problem: `FILE:LINE: message`.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// One problem in a config file.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Code: String, Sendable {
        /// The file cannot be read.
        case unreadable
        /// A line that is neither a section tag, a `key value` line, a comment nor blank.
        case syntax
        /// A `<section>` that does not exist.
        case unknownSection
        /// A key that does not exist in its section.
        case unknownKey
        /// A single-valued key given twice.
        case duplicateKey
        /// A value the key does not accept.
        case badValue
        /// A section opened and never closed.
        case unterminatedSection
        /// A closing tag that does not match the open section.
        case mismatchedClose
        /// A section inside another, or a key outside any section.
        case misplaced
        /// A value the command line refused when the configuration was applied.
        case rejected
    }

    /// The problem's kind.
    public let code: Code
    /// The config file.
    public let path: String
    /// The 1-based line, or 0 for the file as a whole.
    public let line: Int
    /// What is wrong and what is allowed.
    public let message: String

    /// Describes a problem.
    public init(_ code: Code, path: String, line: Int, _ message: String) {
        self.code = code
        self.path = path
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message` (just `FILE: message` for the whole file, and just the message when the
    /// problem is not in a file, such as a command-line option).
    public var description: String {
        if path.isEmpty { return message }
        return line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)"
    }
}
