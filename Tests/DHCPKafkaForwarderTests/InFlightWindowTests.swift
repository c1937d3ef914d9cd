import DHCPKafkaTestSupport
import Testing

@testable import DHCPKafkaForwarder

/// The in-flight window: what may leave the spool (a contiguous done prefix only) and what a
/// rewind produces again (everything from the first record not done, bounded by the window).
struct InFlightWindowTests {
    private func window(_ sequences: ClosedRange<UInt64>, bytes: Int = 10) -> InFlightWindow {
        var window = InFlightWindow()
        for sequence in sequences { window.add(first: sequence, last: sequence, bytes: bytes, isGap: false) }
        return window
    }

    @Test func onlyAContiguousDonePrefixLeaves() {
        var window = window(1...5)
        #expect(window.donePrefixEnd == nil)
        window.markDone(2)
        window.markDone(4)
        #expect(window.donePrefixEnd == nil, "2 and 4 are done but 1 is not: nothing may leave")
        window.markDone(1)
        #expect(window.donePrefixEnd == 2)
        let removed = window.removeDone(through: 2)
        #expect(removed.frames == 2 && removed.gaps == 0)
        #expect(window.count == 3 && window.bytes == 30)
        #expect(window.entry(1) == nil && window.entry(3) != nil)
        #expect(window.donePrefixEnd == nil)
    }

    @Test func gapRecordsCoverARangeAndCountAsGaps() {
        var window = InFlightWindow()
        window.add(first: 1, last: 1, bytes: 5, isGap: false)
        window.add(first: 2, last: 9, bytes: 7, isGap: true)
        window.add(first: 10, last: 10, bytes: 5, isGap: false)
        #expect(window.index(of: 2) != nil)
        #expect(window.index(of: 5) == nil, "a gap entry is found by its first sequence only")
        #expect(window.entry(10)?.first == 10)
        window.markDone(1)
        window.markDone(2)
        #expect(window.donePrefixEnd == 9)
        let removed = window.removeDone(through: 9)
        #expect(removed.frames == 1 && removed.gaps == 1)
        #expect(window.bytes == 5)
    }

    @Test func rewindRestartsAtTheFirstOpenRecordAndForgetsTheRest() throws {
        var window = window(1...6)
        window.markDone(1)
        // Acknowledged, but after the open 2: produced again (a bounded, counted duplicate).
        window.markDelivered(at: try #require(window.index(of: 3)))
        window.markReported(2)
        #expect(window.awaitingReports == 3, "4, 5 and 6 still wait for their reports")
        let rewound = window.rewind(fallback: 99)
        #expect(rewound.restart == 2)
        #expect(rewound.redelivered == 1, "3 will be in Kafka twice")
        #expect(window.count == 1 && window.bytes == 10, "only the done 1 is left, waiting to leave the spool")
        #expect(window.awaitingReports == 0)
        #expect(window.removeDone(through: 1).frames == 1)
        #expect(window.isEmpty)
        #expect(window.rewind(fallback: 7) == (7, 0), "nothing open: produce on from where we were")
    }

    /// Against a simple model, with a large window that makes the window compact its storage: the
    /// done prefix, the counts, bytes and lookups always agree.
    @Test func agreesWithAModelUnderRandomOrders() {
        var rng = SplitMix64(seed: 0x1F1E)
        var window = InFlightWindow()
        var model: [(sequence: UInt64, done: Bool)] = []
        var next: UInt64 = 1
        var removedThrough: UInt64 = 0
        for _ in 0..<80_000 {
            switch rng.next() % 4 {
            case 0, 1:
                window.add(first: next, last: next, bytes: 3, isGap: false)
                model.append((next, false))
                next += 1
            case 2 where !model.isEmpty:
                // Mostly near the front, as reports come: done prefixes form and leave.
                let i = Int(rng.next() % UInt64(min(model.count, 8)))
                window.markDone(model[i].sequence)
                model[i].done = true
            default:
                let prefix = model.prefix { $0.done }
                #expect(window.donePrefixEnd == prefix.last?.sequence)
                if let end = prefix.last?.sequence {
                    #expect(window.removeDone(through: end).frames == prefix.count)
                    model.removeFirst(prefix.count)
                    removedThrough = end
                }
            }
            #expect(window.count == model.count && window.bytes == 3 * model.count)
        }
        #expect(removedThrough > 4096, "the window compacted its storage at least once")
        for entry in model { #expect(window.entry(entry.sequence)?.done == entry.done) }
        #expect(window.entry(removedThrough) == nil)
    }
}
