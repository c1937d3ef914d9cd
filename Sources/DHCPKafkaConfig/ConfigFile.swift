#if canImport(Glibc)
import Glibc
#endif

/// One `key value` line of a config file, checked against the schema.
public struct ConfigEntry: Sendable, Equatable {
    /// The key it sets.
    public let key: ConfigKey
    /// The value in the form the command-line option takes.
    public let value: String
    /// Its 1-based line.
    public let line: Int
}

/// A parsed config file in the ZConfig style DHCPKit's configuration uses:
///
/// ```
/// # a comment
/// <send-to-kafka>
///     broker kafka1.example.net:9092
///     topic dhcpkit.messages
/// </send-to-kafka>
/// ```
///
/// A `#` starts a comment only as the first non-blank character of a line: values are the rest of
/// the line, and a SASL password or librdkafka property may contain `#`. Section and key names are
/// case-insensitive. A section may appear more than once; its keys then add up.
public struct ConfigFile: Sendable {
    /// The file it was read from (as given, for messages).
    public let path: String
    /// Every key line, in file order.
    public let entries: [ConfigEntry]

    /// The largest config file read (1 MiB): real ones are a few KiB. A larger one, or an endless
    /// one such as `/dev/zero`, is refused instead of being read into memory.
    public static let maximumSize = 1 << 20

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(ConfigError) -> ConfigFile {
        let (file, issues) = try read(path: path)
        guard issues.isEmpty else { throw ConfigError(issues) }
        return file
    }

    /// Reads and parses the file at `path`, keeping every line that is right: the file of those
    /// lines, and the problems of the others. Throws only when the file cannot be read. Lets a caller
    /// check the valid settings further and report every problem in one round.
    public static func read(path: String) throws(ConfigError) -> (ConfigFile, [ConfigIssue]) {
        parseCollecting(try text(path: path), path: path)
    }

    /// The text of the file at `path` (at most ``maximumSize`` bytes); throws when it cannot be read.
    public static func text(path: String) throws(ConfigError) -> String {
        switch readFile(path) {
        case .success(let text): return text
        case .failure(.unreadable(let code)):
            let reason = String(cString: strerror(code))
            throw ConfigError([ConfigIssue(
                .unreadable, path: path, line: 0,
                "cannot read the config file: \(reason); check the path and that the daemon's user may read it")])
        case .failure(.tooLarge):
            throw ConfigError([ConfigIssue(
                .unreadable, path: path, line: 0,
                "the config file is larger than \(maximumSize >> 20) MiB; name the dhcpkafka config file (a few KiB), not a device or another file")])
        }
    }

    /// Parses config text; `path` names it in messages.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> ConfigFile {
        let (file, issues) = parseCollecting(text, path: path)
        guard issues.isEmpty else { throw ConfigError(issues) }
        return file
    }

    /// Parses config text into the valid lines and the problems of the others.
    public static func parseCollecting(_ text: String, path: String) -> (ConfigFile, [ConfigIssue]) {
        var parser = Parser(path: path)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            parser.take(String(line).trimmingWhitespace(), line: index + 1)
        }
        parser.finish()
        return (ConfigFile(path: path, entries: parser.entries), parser.issues)
    }

    /// The entries that set `key`, in file order.
    public func entries(for key: ConfigKey) -> [ConfigEntry] { entries.filter { $0.key == key } }

    /// Why a file could not be read.
    private enum ReadFailure: Error {
        case unreadable(Int32)
        case tooLarge
    }

    /// The file's text, read in chunks and never more than ``maximumSize`` bytes.
    private static func readFile(_ path: String) -> Result<String, ReadFailure> {
        guard let file = fopen(path, "re") else { return .failure(.unreadable(errno)) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count > 0 { bytes += buffer[0..<count] }
            if bytes.count > maximumSize { return .failure(.tooLarge) }
            if count < buffer.count {
                if ferror(file) != 0 { return .failure(.unreadable(errno)) }
                break
            }
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }
}

/// The line-by-line state of parsing one file.
private struct Parser {
    let path: String
    var entries: [ConfigEntry] = []
    var issues: [ConfigIssue] = []
    /// The open section and the line it was opened on.
    var open: (name: String, line: Int)?
    /// Lines of the single-valued keys seen so far, to report duplicates with both lines.
    var seen: [ConfigKey: Int] = [:]

    init(path: String) { self.path = path }

    mutating func take(_ text: String, line: Int) {
        if text.isEmpty || text.hasPrefix("#") { return }
        if text.hasPrefix("%") {
            fail(.syntax, line, "ZConfig directives (%include, %define, %import) are not supported; write the settings here")
        } else if text.hasPrefix("</") {
            close(text, line: line)
        } else if text.hasPrefix("<") {
            openSection(text, line: line)
        } else {
            keyLine(text, line: line)
        }
    }

    mutating func finish() {
        if let open {
            fail(.unterminatedSection, open.line, "<\(open.name)> is never closed: add </\(open.name)>")
        }
    }

    private mutating func openSection(_ text: String, line: Int) {
        guard text.hasSuffix(">"), text.count > 2 else {
            fail(.syntax, line, "a section tag looks like <section-name>, got '\(text.prefix(60))'")
            return
        }
        let inside = String(text.dropFirst().dropLast()).trimmingWhitespace()
        let words = inside.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let name = words.first.map { $0.lowercased() } ?? ""
        if let open {
            fail(.misplaced, line, "<\(name)> inside <\(open.name)> (opened on line \(open.line)): sections do not nest; close </\(open.name)> first")
            return
        }
        guard ConfigSchema.sections.contains(name) else {
            fail(.unknownSection, line, "unknown section <\(name)>; sections are " + Self.sectionList)
            // Skip its keys: reporting each as misplaced would bury the real mistake.
            open = (name, line)
            return
        }
        if words.count > 1 {
            fail(.syntax, line, "<\(name)> takes no name: write <\(name)>")
        }
        open = (name, line)
    }

    private mutating func close(_ text: String, line: Int) {
        let name = String(text.dropFirst(2).dropLast(text.hasSuffix(">") ? 1 : 0)).trimmingWhitespace().lowercased()
        guard text.hasSuffix(">") else {
            fail(.syntax, line, "a closing tag looks like </\(name)>")
            return
        }
        guard let open else {
            fail(.mismatchedClose, line, "</\(name)> closes a section that is not open")
            return
        }
        if open.name != name {
            fail(.mismatchedClose, line, "</\(name)> does not close <\(open.name)> (opened on line \(open.line)); write </\(open.name)>")
        }
        self.open = nil
    }

    private mutating func keyLine(_ text: String, line: Int) {
        let nameEnd = text.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? text.endIndex
        let name = text[..<nameEnd].lowercased()
        let value = String(text[nameEnd...]).trimmingWhitespace()
        guard let open else {
            fail(.misplaced, line, "'\(name)' is outside any section; put it inside one of " + Self.sectionList)
            return
        }
        guard ConfigSchema.sections.contains(open.name) else { return }  // already reported
        guard let key = ConfigSchema.key(open.name, name) else {
            let known = ConfigSchema.keys(in: open.name).map(\.name).joined(separator: ", ")
            fail(.unknownKey, line, "unknown key '\(name)' in <\(open.name)>; its keys are \(known)")
            return
        }
        guard !value.isEmpty else {
            fail(.badValue, line, "\(key) needs a value: \(key.type.allowed)")
            return
        }
        if !key.multiple, let first = seen[key] {
            fail(.duplicateKey, line, "\(key) is already set on line \(first); it takes one value (remove one of them)")
            return
        }
        guard let normalized = key.type.normalize(value) else {
            let shown = key.secret ? "the value" : "'\(value.prefix(80))'"
            fail(.badValue, line, "\(key): \(shown) is not allowed; use \(key.type.allowed)")
            return
        }
        seen[key] = line
        entries.append(ConfigEntry(key: key, value: normalized, line: line))
    }

    private mutating func fail(_ code: ConfigIssue.Code, _ line: Int, _ message: String) {
        issues.append(ConfigIssue(code, path: path, line: line, message))
    }

    private static var sectionList: String { ConfigSchema.sections.map { "<\($0)>" }.joined(separator: ", ") }
}
