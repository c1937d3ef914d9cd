import Foundation

/// A fresh directory under the system temp directory, removed with everything in it by
/// ``remove()`` or, as a safety net, when the object is released.
public final class TemporaryDirectory: @unchecked Sendable {
    /// The absolute path of the directory.
    public let path: String
    private var removed = false

    /// Creates `$TMPDIR/<prefix>.XXXXXX` with `mkdtemp`.
    public init(prefix: String = "dhcpkafka-test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> UnsafeMutablePointer<CChar>? in
            guard let base = buffer.baseAddress else { return nil }
            return mkdtemp(base)
        }
        guard let made else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "\(base)/\(prefix).XXXXXX"])
        }
        path = String(cString: made)
    }

    deinit { if ProcessInfo.processInfo.environment["DHCPKAFKA_KEEP_TEMPORARY"] == nil { remove() } else { print("kept \(path)") } }

    /// `path` + "/" + `name`.
    public func appending(_ name: String) -> String { path + "/" + name }

    /// Removes the directory and its contents. Safe to call twice.
    public func remove() {
        guard !removed else { return }
        removed = true
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Runs `body` with a new temporary directory that is removed afterwards, even on error.
    public static func with<T>(prefix: String = "dhcpkafka-test", _ body: (TemporaryDirectory) async throws -> T)
        async throws -> T
    {
        let directory = try TemporaryDirectory(prefix: prefix)
        defer { directory.remove() }
        return try await body(directory)
    }
}
