import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// Runs the Python oracle scripts (dhcpkit 1.0.7 + dhcpkit-kafka 1.0.0 in the project's venv).
enum Oracle {
    /// Runs `script` from Tests/interop-python with `arguments`, feeding `input`; returns its JSON lines.
    static func run(_ script: String, _ arguments: [String] = [], input: String = "") throws -> [JSONValue] {
        let python = TestPaths.python
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw SubprocessError(
                description: "no Python venv at \(python.path): run `make test` (or .ci/bootstrap deps) to create it")
        }
        let result = try runProcess(
            python, [TestPaths.interopScripts.appendingPathComponent(script).path] + arguments,
            stdin: Array(input.utf8), currentDirectory: TestPaths.interopScripts, timeout: 300)
        guard result.status == 0 else {
            throw SubprocessError(description: "\(script) exited \(result.status): \(result.stderrText)")
        }
        return try result.stdoutText.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }
}

extension JSONValue {
    /// The same value with `link_address`/`peer_address` rewritten to RFC 5952 text, so Python's and
    /// Swift's spellings of one address compare equal.
    var normalizingAddresses: JSONValue {
        switch self {
        case .array(let items): return .array(items.map(\.normalizingAddresses))
        case .object(let members):
            return .object(
                members.map { key, value in
                    if key == "link_address" || key == "peer_address", let text = value.stringValue,
                        let address = IPv6AddressText.normalize(text)
                    {
                        return (key, .string(address))
                    }
                    return (key, value.normalizingAddresses)
                })
        default: return self
        }
    }
}
