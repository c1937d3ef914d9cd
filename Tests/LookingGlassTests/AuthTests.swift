import DHCPKafkaTestSupport
import Foundation
import Hummingbird
import HummingbirdBcrypt
import LookingGlassStore
import LookingGlassWeb
import Testing

/// Basic authentication against a bcrypt password file, and the listen-address rule of the executable.
@Suite(.ownThreads) struct AuthTests {
    static func basic(_ credentials: String) -> HTTPFields {
        [.authorization: "Basic " + Data(credentials.utf8).base64EncodedString()]
    }

    @Test func everyRouteButHealthNeedsTheRightPassword() async throws {
        try await TemporaryDirectory.with(prefix: "lg-auth") { dir in
            let store = try WebTests.seeded(dir)
            let file = dir.appending("passwords")
            try "# operators\nnoc:\(Bcrypt.hash("s3cret", cost: 4))\n".write(toFile: file, atomically: false, encoding: .utf8)
            let status = WebStatus(health: { (true, "") }, metrics: { "" }, lag: { [:] })
            let app = Application(router: LookingGlassRoutes.router(
                store: store, feed: LiveFeed(), status: status, passwords: try PasswordFile(path: file)))
            try await LiveServer.run(app) { client in
                for uri in ["/", "/api/servers", "/api/transactions", "/metrics", "/api/stream", "/static/live.js"] {
                    try await client.execute(uri: uri, method: .get) { #expect($0.status == .unauthorized, "\(uri)") }
                }
                try await client.execute(uri: "/api/servers", method: .get, headers: Self.basic("noc:wrong")) {
                    #expect($0.status == .unauthorized)
                    #expect($0.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=") == true)
                }
                try await client.execute(uri: "/api/servers", method: .get, headers: Self.basic("nobody:s3cret")) {
                    #expect($0.status == .unauthorized)
                }
                for _ in 0..<2 {
                    try await client.execute(uri: "/api/servers", method: .get, headers: Self.basic("noc:s3cret")) {
                        #expect($0.status == .ok)
                    }
                }
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            }
            #expect(throws: PasswordFileError.self) { try PasswordFile(path: dir.appending("missing")) }
            try "noc:plaintext\n".write(toFile: file, atomically: false, encoding: .utf8)
            #expect(throws: PasswordFileError.self) { try PasswordFile(path: file) }
        }
    }

    @Test func nonLoopbackListenNeedsAuthenticationOrNoAuth() throws {
        let binary = TestPaths.buildProducts.appendingPathComponent("dhcpkafka-lookingglass")
        let refused = try runProcess(
            binary, ["--broker", "127.0.0.1:9", "--db", "/nonexistent/lg.sqlite", "--listen", "0.0.0.0:8080"], timeout: 60)
        #expect(refused.status == 64)
        #expect(refused.stderrText.contains("--password-file"))
        let contradicting = try runProcess(
            binary, ["--broker", "127.0.0.1:9", "--db", "/x", "--listen", "[::]:8080", "--no-auth", "--password-file", "/p"],
            timeout: 60)
        #expect(contradicting.status == 64)
    }
}
