import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

/// An in-memory model of the ring: what the spool must hold after any sequence of appends,
/// acknowledgements, evictions (by appends and by reopening with a smaller capacity) and reopens.
struct RingModel {
    struct Frame: Equatable {
        var sequence: UInt64
        var bytes: [UInt8]
        var receiveTime: UInt64
        var stored: Int { bytes.count + Spool.frameHeaderSize }
    }

    var capacity: Int
    var maxFrames: Int?
    var frames: [Frame] = []
    var next: UInt64 = 1
    var acked: UInt64 = 0
    var appended: UInt64 = 0
    var evictedFrames: UInt64 = 0
    var evictedBytes: UInt64 = 0
    var gaps: [SpoolGap] = []

    var storedBytes: Int { frames.reduce(0) { $0 + $1.stored } }

    /// Evicts the oldest frame, extending the newest gap when it continues it.
    mutating func evictOldest() {
        let frame = frames.removeFirst()
        evictedFrames += 1
        evictedBytes += UInt64(frame.stored)
        if let last = gaps.last, last.lastSequence + 1 == frame.sequence {
            gaps[gaps.count - 1].lastSequence = frame.sequence
            gaps[gaps.count - 1].frames += 1
            gaps[gaps.count - 1].bytes += UInt64(frame.stored)
        } else {
            gaps.append(SpoolGap(firstSequence: frame.sequence, lastSequence: frame.sequence, frames: 1,
                                 bytes: UInt64(frame.stored)))
        }
    }

    mutating func append(_ bytes: [UInt8], receiveTime: UInt64) {
        let size = bytes.count + Spool.frameHeaderSize
        while !frames.isEmpty && (storedBytes + size > capacity || (maxFrames.map { frames.count + 1 > $0 } ?? false)) {
            evictOldest()
        }
        frames.append(Frame(sequence: next, bytes: bytes, receiveTime: receiveTime))
        next += 1
        appended += 1
    }

    /// Returns how many frames were removed.
    mutating func removeThrough(_ sequence: UInt64) -> Int {
        let before = frames.count
        frames.removeAll { $0.sequence <= sequence }
        gaps.removeAll { $0.lastSequence <= sequence }
        acked = max(acked, sequence)
        return before - frames.count
    }

    /// A writer opening with new limits evicts down to them.
    mutating func reopen(capacity: Int, maxFrames: Int?) {
        self.capacity = capacity
        self.maxFrames = maxFrames
        while !frames.isEmpty && (storedBytes > capacity || (maxFrames.map { frames.count > $0 } ?? false)) {
            evictOldest()
        }
    }
}

@Suite("Spool against a model of the ring")
struct SpoolModelTests {
    /// Compares everything observable with the model.
    func agree(_ spool: Spool, _ model: RingModel, step: Int, _ what: String) throws {
        let stats = try spool.stats()
        let context = Comment(rawValue: "step \(step): \(what)")
        #expect(stats.storedFrames == model.frames.count, context)
        #expect(stats.storedBytes == model.storedBytes, context)
        #expect(stats.nextSequence == model.next, context)
        #expect(stats.appendedFrames == model.appended, context)
        #expect(stats.evictedFrames == model.evictedFrames && stats.evictedBytes == model.evictedBytes, context)
        #expect(stats.ackedWatermark == model.acked, context)
        #expect(stats.oldestSequence == model.frames.first?.sequence, context)
        #expect(stats.newestSequence == model.frames.last?.sequence, context)
        #expect(stats.pendingGapFrames == model.gaps.reduce(0) { $0 + $1.frames }, context)
        #expect(try spool.pendingGaps() == model.gaps, context)
        let stored = try spool.read(from: 0, maxFrames: .max)
        #expect(stored.map(\.sequence) == model.frames.map(\.sequence), context)
        #expect(stored.map(\.bytes) == model.frames.map(\.bytes), context)
        #expect(stored.map(\.receiveTime) == model.frames.map(\.receiveTime), context)
    }

    @Test("random appends, acknowledgements, evictions and reopens agree with the model after every step",
          arguments: [UInt64(1), 2, 3, 4])
    func randomOperations(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let capacities = [64 << 10, 96 << 10, 160 << 10]
        var model = RingModel(capacity: capacities[0], maxFrames: nil)
        var spool = try Spool.open(at: path, options: SpoolOptions(capacityBytes: model.capacity, durability: .noMetaSync))
        var clock: UInt64 = 1_700_000_000_000_000_000
        for step in 0..<250 {
            let what: String
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<55:
                let count = Int.random(in: 1...40, using: &rng)
                var batch = SpoolBatch()
                var frames: [[UInt8]] = []
                for _ in 0..<count {
                    let frame = (0..<Int.random(in: 100...1500, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    clock += UInt64.random(in: 1...1_000_000, using: &rng)
                    batch.append(frame, receivedAt: clock)
                    frames.append(frame)
                }
                let evictedBefore = model.evictedFrames
                let first = model.next
                for (frame, time) in zip(frames, batch.receiveTimes) { model.append(frame, receiveTime: time) }
                let result = try spool.append(batch)
                #expect(result.firstSequence == first && result.lastSequence == model.next - 1, "step \(step)")
                #expect(UInt64(result.evictedFrames) == model.evictedFrames - evictedBefore, "step \(step)")
                what = "append \(count)"
            case 55..<80:
                // Acknowledge a prefix: anywhere from the watermark to the newest assigned sequence.
                let target = UInt64.random(in: model.acked...(model.next - 1), using: &rng)
                let removed = try spool.removeThrough(target)
                #expect(removed == model.removeThrough(target), "step \(step)")
                what = "acknowledge through \(target)"
            case 80..<85:
                // Acknowledging a sequence never assigned is refused and changes nothing.
                let beyond = model.next + UInt64.random(in: 0...1_000_000, using: &rng)
                #expect((try? spool.removeThrough(beyond)) == nil, "step \(step)")
                what = "acknowledge through \(beyond) (refused)"
            default:
                try spool.close()
                let capacity = capacities[Int.random(in: 0..<capacities.count, using: &rng)]
                let maxFrames = Bool.random(using: &rng) ? Int.random(in: 20...200, using: &rng) : nil
                let evictedBefore = model.evictedFrames
                model.reopen(capacity: capacity, maxFrames: maxFrames)
                // A process another test spawns at this moment can share the lock's file description
                // until it execs (the descriptor is close-on-exec): wait for that, as a restarted
                // daemon would.
                #expect(waitUntil(timeout: 30) { Spool.writerPid(at: path) == nil }, "step \(step): the lock is released")
                spool = try Spool.open(at: path, options: SpoolOptions(capacityBytes: capacity, maxFrames: maxFrames,
                                                                       durability: .noMetaSync))
                #expect(UInt64(spool.evictedAtOpen.frames) == model.evictedFrames - evictedBefore, "step \(step)")
                what = "reopen with capacity \(capacity), max frames \(maxFrames.map(String.init) ?? "none")"
            }
            try agree(spool, model, step: step, what)
        }
        try spool.close()
    }
}
