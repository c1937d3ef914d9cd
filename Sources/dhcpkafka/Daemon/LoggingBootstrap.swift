import ArgumentParser
import JSONValue
import Logging
import Synchronization

/// One place that sets up swift-log for the daemon processes, with one process-wide level that
/// SIGHUP can change while the daemon runs (every `Logger` reads it on each call).
enum LoggingBootstrap {
    /// The level names accepted by `--log-level` and `<logging> level`.
    static func level(named text: String) -> Logger.Level? { Logger.Level(rawValue: text.lowercased()) }

    /// Refuses a `--log-level` that names no level (instead of quietly logging at `info`).
    static func validate(_ text: String) throws {
        guard level(named: text) != nil else {
            throw ValidationError(
                "--log-level '\(text)' is not a level; use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    static func bootstrap(level text: String) {
        setLevel(level(named: text) ?? .info)
        LoggingSystem.bootstrap { label in SharedLevelLogHandler(StreamLogHandler.standardError(label: label)) }
    }

    /// Changes the level of every logger in the process.
    static func setLevel(_ level: Logger.Level) { current.store(index(of: level), ordering: .relaxed) }

    /// The level in force.
    static var currentLevel: Logger.Level { Logger.Level.allCases[Int(current.load(ordering: .relaxed))] }

    private static let current = Atomic<UInt8>(index(of: .info))

    private static func index(of level: Logger.Level) -> UInt8 {
        UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 2)
    }
}

/// Writes through a stream handler but takes its level from ``LoggingBootstrap``, so a level
/// changed on reload reaches loggers made before it (a `Logger` copies its handler when made).
struct SharedLevelLogHandler: LogHandler {
    private var inner: StreamLogHandler

    init(_ inner: StreamLogHandler) { self.inner = inner }

    var logLevel: Logger.Level {
        get { LoggingBootstrap.currentLevel }
        set { LoggingBootstrap.setLevel(newValue) }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    /// Writes the event with its message and metadata escaped (``TextEscaping``): log lines carry
    /// server names, broker errors and paths, and none of them may forge a line or reach a terminal raw.
    func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: event.message.description.escapedForDisplay)
        event.metadata = event.metadata.map(Self.escaped)
        inner.log(event: event)
    }

    /// Metadata with every string in it escaped.
    static func escaped(_ metadata: Logger.Metadata) -> Logger.Metadata {
        metadata.mapValues(escaped)
    }

    private static func escaped(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(text.escapedForDisplay)
        case .stringConvertible(let convertible): .string(convertible.description.escapedForDisplay)
        case .dictionary(let dictionary): .dictionary(escaped(dictionary))
        case .array(let array): .array(array.map(escaped))
        }
    }
}
