#if canImport(Glibc)
import Glibc
#endif

/// One librdkafka property and where it was set, so a property librdkafka refuses can be reported
/// at its file and line.
public struct KafkaPropertySetting: Sendable, Equatable {
    /// The property name: `sasl.password`.
    public let name: String
    /// Its value (may be a secret: never show it unmasked).
    public let value: String
    /// The property file or systemd credential it came from; nil for `kafka-property` (the config
    /// file's key or the command-line option).
    public let path: String?
    /// The 1-based line in ``path``, or 0 for a credential that holds one value.
    public let line: Int

    /// Describes a property.
    public init(name: String, value: String, path: String? = nil, line: Int = 0) {
        self.name = name
        self.value = value
        self.path = path
        self.line = line
    }

    /// A `kafka-property` option or key, `name=value` (the value may be empty or hold `=`); nil
    /// when there is no `=` or no name before it. Both programs (`dhcpkafka`, the looking glass) read them so.
    public init?(option text: String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return nil }
        self.init(name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }

    /// `name=value`, as `--kafka-property` takes it.
    public var assignment: String { name + "=" + value }
}

/// Secret librdkafka properties kept out of the command line and the config file: a property file
/// (`kafka-property-file`, `--kafka-property-file`) with one `name=value` per line, readable only
/// by the daemon, and systemd credentials (`LoadCredential=`, found in `$CREDENTIALS_DIRECTORY`).
///
/// A property file: blank lines and lines whose first non-blank character is `#` are skipped; every
/// other line is `name=value` (blanks around the name and the value are removed). A credential named
/// ``credentialFileName`` is read as a property file; a credential named like a property
/// (`sasl.password`) holds that property's value (one trailing newline removed).
public enum KafkaPropertyFile {
    /// The largest property file or credential read (1 MiB); bigger is refused, not truncated.
    public static let maximumBytes = 1 << 20

    /// The credential read as a whole property file: `kafka.properties`.
    public static let credentialFileName = "kafka.properties"

    /// The environment variable systemd sets to the unit's credentials directory.
    public static let credentialsVariable = "CREDENTIALS_DIRECTORY"

    /// Reads the property file at `path`; every problem is reported with its line.
    public static func load(path: String) throws(ConfigError) -> [KafkaPropertySetting] {
        let text = try readBounded(path, what: "Kafka property file")
        return try parse(text, path: path)
    }

    /// Parses property-file text; `path` names it in messages and in the settings.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> [KafkaPropertySetting] {
        var settings: [KafkaPropertySetting] = []
        var issues: [ConfigIssue] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw).trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                issues.append(ConfigIssue(
                    .syntax, path: path, line: index + 1,
                    "a Kafka property line is name=value (like sasl.password=...); this line has no '='"))
                continue
            }
            let name = String(line[..<equals]).trimmingWhitespace()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            guard !name.isEmpty, !name.contains(" "), !name.contains("\t") else {
                issues.append(ConfigIssue(
                    .syntax, path: path, line: index + 1, "a Kafka property line is name=value; the name before '=' is missing or has blanks"))
                continue
            }
            settings.append(KafkaPropertySetting(name: name, value: value, path: path, line: index + 1))
        }
        guard issues.isEmpty else { throw ConfigError(issues) }
        return settings
    }

    /// The properties in the systemd credentials directory `directory`: the whole property file
    /// ``credentialFileName``, and each credential whose name `isProperty` accepts as its value.
    /// Other credentials are left alone (they may be meant for something else).
    public static func credentials(
        in directory: String, isProperty: (String) -> Bool
    ) throws(ConfigError) -> [KafkaPropertySetting] {
        guard let dir = opendir(directory) else {
            let reason = String(cString: strerror(errno))
            throw ConfigError([ConfigIssue(
                .unreadable, path: directory, line: 0,
                "cannot read the systemd credentials directory ($\(credentialsVariable)): \(reason)")])
        }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        closedir(dir)
        var settings: [KafkaPropertySetting] = []
        for name in names.sorted() {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            if name == credentialFileName {
                settings += try load(path: path)
            } else if isProperty(name) {
                var value = try readBounded(path, what: "systemd credential")
                if value.hasSuffix("\n") { value.removeLast() }
                settings.append(KafkaPropertySetting(name: name, value: value, path: path, line: 0))
            }
        }
        return settings
    }

    /// True when users other than the owner and the group can read the file at `path`.
    public static func isReadableByOthers(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & 0o004 != 0
    }

    /// The file's permission bits, for messages (`0644`).
    public static func modeText(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "unknown" }
        let digits = String(info.st_mode & 0o777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The text of a regular file of at most ``maximumBytes``, read with open(2).
    private static func readBounded(_ path: String, what: String) throws(ConfigError) -> String {
        func refuse(_ message: String) -> ConfigError { ConfigError([ConfigIssue(.unreadable, path: path, line: 0, message)]) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw refuse("cannot read the \(what): \(String(cString: strerror(errno))); check the path and that the daemon's user may read it")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw refuse("the \(what) is not a regular file; name a file holding name=value lines")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw refuse("cannot read the \(what): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += buffer[0..<count]
            if bytes.count > maximumBytes {
                throw refuse("the \(what) is larger than \(maximumBytes) bytes; it should hold a few name=value lines")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
