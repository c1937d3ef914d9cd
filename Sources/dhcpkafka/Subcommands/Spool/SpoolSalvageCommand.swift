import ArgumentParser
import DHCPKafkaSpool
import DHCPKafkaWire
import Foundation
import JSONValue

/// `dhcpkafka spool salvage`: copies every readable frame of a damaged spool into a new one.
struct SpoolSalvageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "salvage",
        abstract: "Copy every readable frame of a damaged spool into a new spool directory.",
        discussion: """
            For a spool that `run` or `forward` refuse as inconsistent (e.g. a flipped bit in a frame key) \
            or that `spool check` reports damaged. Reads the old spool only (refused while a daemon writes to it) and \
            writes a NEW spool at --into (a path that does not exist yet, or an empty directory) with the \
            old capacity and durability: frames in the old key order, with new sequences and a new spool \
            identity, receive times kept. Frames that do not decode are left behind and counted; dead \
            letters and unpublished gaps are not copied (both are reported). The copy runs in a child \
            process, so damaged pages that crash LMDB are reported (exit 1) instead of crashing this \
            command. Then start the daemon with --spool NEWDIR. See docs/runbook.md.
            """)

    @OptionGroup var location: SpoolLocation

    @Option(help: "The new spool directory to create (must not hold a spool).")
    var into: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        guard try CrashIsolation.runsHere(crashed: { [location, into] signal in
            printError(CrashIsolation.corruptMessage(path: location.spool, signal: signal)
                + ". The salvage crashed too; the new spool at \(into) holds what was copied before the crash")
        }) else { return }
        let report = try withSpoolErrors { () throws(SpoolError) in
            try Spool.salvage(from: location.spool, into: into) { bytes in
                (try? KafkaMessageRegistry.dhcpKafka.validateFrame(bytes.assumingMemoryBound(to: UInt8.self))) != nil
            }
        }
        if json {
            print(JSONValue.object([
                ("copied_frames", .int(Int64(report.copiedFrames))), ("unreadable_frames", .int(Int64(report.unreadableFrames))),
                ("damaged_keys", .int(Int64(report.damagedKeys))), ("dead_letters_left", .int(Int64(report.deadLettersLeft))),
                ("unpublished_gaps", .int(Int64(report.unpublishedGaps))), ("new_identity", .string(report.newIdentity)),
                ("into", .string(into)),
            ]).prettyText)
        } else {
            print("copied \(report.copiedFrames) frames into \(into) (new identity \(report.newIdentity))")
            if report.damagedKeys > 0 { print("  \(report.damagedKeys) of them had a damaged key; copied in the old key order") }
            if report.unreadableFrames > 0 { print("  left behind \(report.unreadableFrames) frames that do not decode") }
            if report.deadLettersLeft > 0 {
                print("  \(report.deadLettersLeft) dead letters stay in the old spool: `dhcpkafka spool dead list --spool \(location.spool)`")
            }
            if report.unpublishedGaps > 0 {
                print("  \(report.unpublishedGaps) evicted ranges had not been published as gap records yet (see `spool list` on the old spool)")
            }
            print("start the daemon with --spool \(into); keep the old directory until Kafka has the frames")
        }
    }
}
