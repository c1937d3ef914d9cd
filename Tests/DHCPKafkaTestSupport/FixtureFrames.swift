import DHCPKafkaSpool
import Foundation
import Testing

/// Real frames from the dhcpkit-kafka fixtures (`Fixtures/frames`), for tests that need one.
public enum FixtureFrames {
    /// The first frame of `frames/direct.hex`: a real, unrelayed Kea/dhclient transaction.
    public static func direct() throws -> [UInt8] {
        let text = try String(contentsOf: TestPaths.fixtures.appendingPathComponent("frames/direct.hex"), encoding: .utf8)
        return hexBytes(String(try #require(text.split(separator: "\n").first { !$0.hasPrefix("#") && !$0.isEmpty })))
    }

    /// That frame with its server name replaced by `name` (hostile names in output tests);
    /// `name` must fit the one-byte length.
    public static func direct(named name: String) throws -> [UInt8] {
        let bytes = try direct()
        let name = Array(name.utf8)
        try #require(name.count <= 255, "a server name of \(name.count) bytes does not fit a frame")
        return [bytes[0], UInt8(name.count)] + name + bytes[(2 + Int(bytes[1]))...]
    }

    /// Makes a spool at `path` holding the fixture frame once per server name, in order, all
    /// received at 1 s after the epoch; closes it, so commands and daemons can open it.
    public static func spool(at path: String, serverNames: [String]) throws {
        var batch = SpoolBatch()
        for name in serverNames { batch.append(try direct(named: name), receivedAt: 1_000_000_000) }
        let spool = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 1 << 20))
        _ = try spool.append(batch)
        try spool.close()
    }
}
