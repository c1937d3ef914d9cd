import ArgumentParser
import DHCPKafkaSpool
import DHCPKafkaWire
import Foundation
import JSONValue

/// `dhcpkafka spool dead …`: frames Kafka rejected permanently.
struct SpoolDeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "List, requeue or purge dead letters (frames Kafka rejected permanently).",
        discussion: """
            requeue and purge write to the spool and are meant to run while the daemon runs: they open \
            the spool as a second writer (LMDB serialises write transactions between processes), so \
            ingest goes on. See docs/operations.md.
            """,
        subcommands: [List.self, Requeue.self, Purge.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters with the error and a summary of each frame.")
        @OptionGroup var location: SpoolLocation
        @Option(help: "Show at most this many.") var limit = 1000
        @Flag(help: "Print JSON Lines.") var json = false

        func run() throws {
            let letters = try withSpoolErrors { () throws(SpoolError) in
                let spool = try Spool.openReadOnly(at: location.spool)
                defer { try? spool.close() }
                return try spool.listDead(limit: limit)
            }
            for letter in letters {
                let frame = try? KafkaMessageRegistry.dhcpKafka.decodeFrame(letter.bytes)
                let received = TimeFormat.iso8601(Double(letter.receiveTime) / 1e9)
                if json {
                    let object: JSONValue = .object([
                        ("sequence", .uint(letter.sequence)), ("received", .string(received)), ("error", .string(letter.error)),
                        ("bytes", .int(Int64(letter.bytes.count))), ("frame", frame?.json ?? .null),
                    ])
                    print(object.compactText)
                } else {
                    print("\(letter.sequence)  \(received)  \(letter.bytes.count) bytes  \(letter.error.escapedForDisplay)")
                    print("    \(frame?.summary ?? "(does not decode)")")
                }
            }
            if !json && letters.isEmpty { print("no dead letters") }
        }
    }

    struct Requeue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead letters back into the spool (with new sequences) so the forwarder sends them again.")
        @OptionGroup var location: SpoolLocation
        @Argument(help: "Sequences to requeue.") var sequences: [UInt64] = []
        @Flag(help: "Requeue every dead letter.") var all = false

        func validate() throws {
            guard all != !sequences.isEmpty else { throw ValidationError("give sequences or --all (not both)") }
        }

        func run() throws {
            let moved = try withSpoolErrors { () throws(SpoolError) in
                let spool = try Spool.open(at: location.spool, role: .maintenance)
                defer { try? spool.close() }
                let chosen = all ? try spool.listDead().map(\.sequence) : sequences
                var moved: [(UInt64, UInt64)] = []
                for sequence in chosen { moved.append((sequence, try spool.requeueDead(sequence))) }
                return moved
            }
            for (old, new) in moved { print("requeued \(old) as \(new)") }
            print("\(moved.count) dead letter(s) requeued")
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete every dead letter.")
        @OptionGroup var location: SpoolLocation
        @Flag(help: "Confirm that the dead letters should be deleted for good.") var yes = false

        func run() throws {
            guard yes else {
                printError("purging deletes every dead letter for good; run again with --yes")
                throw ExitCode(2)
            }
            let count = try withSpoolErrors { () throws(SpoolError) in
                let spool = try Spool.open(at: location.spool, role: .maintenance)
                defer { try? spool.close() }
                return try spool.purgeDead()
            }
            print("purged \(count) dead letter(s)")
        }
    }
}

/// Runs `body`, turning a spool error into its message on standard error and exit status 1.
func withSpoolErrors<T>(_ body: () throws(SpoolError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError(error.description)
        throw ExitCode(1)
    }
}
