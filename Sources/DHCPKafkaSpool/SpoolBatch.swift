/// Frames to append in one commit, held in one contiguous buffer plus end offsets,
/// so building a batch copies each frame once and the commit copies it once more into the map.
///
/// Reuse one batch with ``removeAll()`` to keep its storage.
public struct SpoolBatch: Sendable {
    /// All frame bytes, back to back.
    public private(set) var bytes: [UInt8] = []
    /// End offset in ``bytes`` of each frame.
    public private(set) var ends: [Int] = []
    /// Receive time of each frame, nanoseconds since the Unix epoch.
    public private(set) var receiveTimes: [UInt64] = []

    /// An empty batch with room for `frames` frames of `bytes` bytes in total.
    public init(reservingFrames frames: Int = 0, bytes: Int = 0) {
        self.bytes.reserveCapacity(bytes)
        ends.reserveCapacity(frames)
        receiveTimes.reserveCapacity(frames)
    }

    /// The number of frames.
    public var count: Int { ends.count }
    /// True if the batch holds no frame.
    public var isEmpty: Bool { ends.isEmpty }

    /// Adds a frame received at `receivedAt` (nanoseconds since the Unix epoch).
    public mutating func append(_ frame: UnsafeRawBufferPointer, receivedAt: UInt64) {
        bytes.append(contentsOf: frame)
        ends.append(bytes.count)
        receiveTimes.append(receivedAt)
    }

    /// Adds a frame received at `receivedAt` (nanoseconds since the Unix epoch).
    public mutating func append(_ frame: some Collection<UInt8>, receivedAt: UInt64) {
        bytes.append(contentsOf: frame)
        ends.append(bytes.count)
        receiveTimes.append(receivedAt)
    }

    /// Removes all frames, keeping the storage.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        receiveTimes.removeAll(keepingCapacity: true)
    }

    /// The byte range of frame `index` in ``bytes``.
    public func range(of index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }
}

/// What one committed append did. Frames count as accepted once this is returned.
public struct AppendResult: Sendable, Equatable {
    /// Sequence of the batch's first frame; with `lastSequence`, the range assigned to the batch,
    /// in batch order. For an empty batch, `firstSequence == lastSequence + 1` (an empty range).
    public var firstSequence: UInt64
    /// Sequence of the batch's last frame.
    public var lastSequence: UInt64
    /// Frames evicted in this commit to make room (including any evicted after a full map).
    public var evictedFrames: Int
    /// Stored bytes evicted in this commit.
    public var evictedBytes: Int

    /// Creates a result (the spool makes them; `package` so the package's tests can compare).
    package init(firstSequence: UInt64, lastSequence: UInt64, evictedFrames: Int, evictedBytes: Int) {
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.evictedFrames = evictedFrames
        self.evictedBytes = evictedBytes
    }

    /// The number of frames appended.
    public var count: Int { Int(lastSequence &+ 1 &- firstSequence) }
}

/// A frame read back from the spool.
public struct StoredFrame: Sendable, Equatable {
    /// Its sequence number (≥ 1, never reused).
    public var sequence: UInt64
    /// When it was received, nanoseconds since the Unix epoch.
    public var receiveTime: UInt64
    /// The frame bytes as appended.
    public var bytes: [UInt8]
}

/// A frame moved aside by the forwarder because it could not be delivered.
public struct DeadLetter: Sendable, Equatable {
    /// The sequence it had in the ring.
    public var sequence: UInt64
    /// When it was received, nanoseconds since the Unix epoch.
    public var receiveTime: UInt64
    /// Why it could not be delivered.
    public var error: String
    /// The frame bytes.
    public var bytes: [UInt8]
}

/// A range of sequences evicted from the ring before they were removed as forwarded.
/// Adjacent evictions coalesce into one range.
public struct SpoolGap: Sendable, Equatable {
    /// First evicted sequence.
    public var firstSequence: UInt64
    /// Last evicted sequence.
    public var lastSequence: UInt64
    /// Frames evicted in the range (fewer than the range's width if some were dead-lettered).
    public var frames: UInt64
    /// Stored bytes evicted in the range.
    public var bytes: UInt64

    /// Creates a gap record (the spool makes them; `package` so the package's tests can compare).
    package init(firstSequence: UInt64, lastSequence: UInt64, frames: UInt64, bytes: UInt64) {
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.frames = frames
        self.bytes = bytes
    }
}
