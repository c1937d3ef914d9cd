import ArgumentParser
import DHCPKafkaSocket
import DHCPKafkaSpool

/// `dhcpkafka spool export --pcap FILE`: stored transactions as a packet capture.
struct SpoolExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write stored frames' DHCPv6 messages to a pcap file for Wireshark/tshark.",
        discussion: """
            Each message becomes an IPv6/UDP packet (pcap LINKTYPE_IPV6) stamped with the frame's \
            timestamp-in (query) or timestamp-out (reply), in microseconds. Frames carry no IP headers, \
            so addresses are reconstructed: clients get fe80:: + the EUI-64 of the MAC in their \
            DUID-LL/LLT (else fe80::1) and send to ff02::1:2 from port 546; the server answers from \
            fe80::547 to port 546; relay-forw/relay-repl travel 547↔547 between the outermost relay's \
            link-address (else 2001:db8::1) and the server at 2001:db8::547. UDP checksums are \
            computed, so tools report none as bad. Frames of other types and undecodable frames are \
            skipped and counted. Accepts the filters of `spool list`; reads in short transactions.
            """)

    @OptionGroup var location: SpoolLocation
    @OptionGroup var filters: FrameFilterOptions

    @Option(help: "The pcap file to write (truncated if it exists; a device or FIFO is written to, never replaced).")
    var pcap: String

    @Option(help: "Start at this sequence.")
    var from: UInt64 = 1

    @Option(help: "Export at most this many frames (0: no limit).")
    var limit = 0

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be ≥ 0") }
    }

    func run() throws {
        let writer: PcapWriter
        do { writer = try PcapWriter(path: pcap) } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        var frames = 0
        var skipped = 0
        do {
            try export(into: writer, frames: &frames, skipped: &skipped)
            try writer.close()
        } catch let error as OutputFileError {
            let removed = writer.abandon()
            printError(error.description + (removed ? "; removed the incomplete \(pcap)" : "")
                + " (after \(writer.packets) packets from \(frames) frames)")
            throw ExitCode(1)
        } catch {
            _ = writer.abandon()
            throw error
        }
        print("wrote \(writer.packets) packets from \(frames) frames to \(pcap)"
            + (skipped > 0 ? "; skipped \(skipped) frames that are not DHCPKafkaMessages or too large for UDP" : ""))
    }

    /// Writes the matching frames' packets; counts exported and skipped frames.
    private func export(into writer: PcapWriter, frames: inout Int, skipped: inout Int) throws {
        let filter = filters.filter
        try withSpoolReader(location.spool) { spool in
            try SpoolScan.forward(spool, from: from) { entry in
                guard filter.matches(entry) else { return true }
                guard let frame = entry.frame else {
                    skipped += 1
                    return true
                }
                let packets = TransactionPackets.packets(frame)
                guard packets.allSatisfy({ $0.packet.payload.count <= UDPPacket.maxPayload }) else {
                    skipped += 1
                    return true
                }
                for (packet, time) in packets { try writer.write(packet.bytes, at: time) }
                frames += 1
                return limit == 0 || frames < limit
            }
        }
    }
}
