import DHCPKafkaTestSupport
import Foundation
import Testing

/// The relay binary on the DHCP servers stays lean: none of the looking glass's web or SQL stack.
@Suite struct BinaryTests {
    @Test func relayBinaryLinksNoWebOrDatabaseStack() throws {
        let relay = try runProcess(URL(fileURLWithPath: "/usr/bin/nm"), [TestPaths.dhcpkafka.path], timeout: 120)
        #expect(relay.status == 0)
        #expect(relay.stdoutText.count > 100_000, "nm printed almost nothing: \(relay.stderrText)")
        for module in ["Hummingbird", "GRDB", "sqlite3_open", "LookingGlass"] {
            #expect(!relay.stdoutText.contains(module), "dhcpkafka links \(module)")
        }
        let glass = try runProcess(URL(fileURLWithPath: "/usr/bin/nm"), [RelayCrashTests.lookingGlass.path], timeout: 120)
        #expect(glass.stdoutText.contains("Hummingbird") && glass.stdoutText.contains("GRDB"))
    }
}
