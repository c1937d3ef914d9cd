import Foundation
import Hummingbird
import HummingbirdBcrypt
import Synchronization

/// HTTP basic authentication against a bcrypt password file: one `user:$2b$…` line per user
/// (what `htpasswd -B` writes; `#` starts a comment). Verified credentials are remembered (at most
/// 64) so bcrypt's deliberate slowness is paid once per user, not per request.
public final class PasswordFile: Sendable {
    private let users: [String: String]
    private let verified = Mutex<Set<String>>([])

    /// Reads the file; throws when it cannot be read or has no valid line.
    public init(path: String) throws(PasswordFileError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PasswordFileError("Cannot read the password file \(path): check that it exists and this user may read it.")
        }
        var users: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":"), trimmed[trimmed.index(after: colon)...].hasPrefix("$2") else {
                throw PasswordFileError(
                    "\(path):\(number + 1): expected user:BCRYPT-HASH (make one with: htpasswd -nB USER)")
            }
            users[String(trimmed[..<colon])] = String(trimmed[trimmed.index(after: colon)...])
        }
        guard !users.isEmpty else { throw PasswordFileError("\(path) names no user: add one with htpasswd -B \(path) USER") }
        self.users = users
    }

    /// Whether an `Authorization` header value carries a known user with the right password.
    func accepts(_ header: String) -> Bool {
        if verified.withLock({ $0.contains(header) }) { return true }
        guard header.hasPrefix("Basic "), header.utf8.count < 4096,
            let data = Data(base64Encoded: String(header.dropFirst(6))),
            let credentials = String(data: data, encoding: .utf8), let colon = credentials.firstIndex(of: ":"),
            let hash = users[String(credentials[..<colon])]
        else { return false }
        guard Bcrypt.verify(String(credentials[credentials.index(after: colon)...]), hash: hash) else { return false }
        verified.withLock {
            if $0.count >= 64 { $0.removeAll() }
            $0.insert(header)
        }
        return true
    }
}

/// A password file problem, with what to do.
public struct PasswordFileError: Error, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public let description: String

    init(_ description: String) { self.description = description }
}

/// Answers 401 with a basic-auth challenge unless the request carries valid credentials.
struct BasicAuthentication<Context: RequestContext>: RouterMiddleware {
    let passwords: PasswordFile

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let header = request.headers[.authorization], passwords.accepts(header) {
            return try await next(request, context)
        }
        return Response(
            status: .unauthorized,
            headers: [.wwwAuthenticate: "Basic realm=\"dhcpkafka looking glass\", charset=\"UTF-8\"", .contentType: "text/plain"],
            body: .init(byteBuffer: ByteBuffer(string: "Authentication required.\n")))
    }
}
