import CLMDB
import DHCPKafkaSpool
import Foundation

/// Throughput of ``Spool/append(_:counterDeltas:)`` against raw LMDB puts of the same data: the
/// `spool` benchmark, and the reference of the `ingest` benchmark.
enum SpoolBenchmark {
    /// Frames per second of both ways.
    struct Result: CustomStringConvertible {
        /// Frames appended per second through ``Spool``.
        var spoolFramesPerSecond: Double
        /// Frames per second of plain `mdb_put(MDB_APPEND)` in the same batches and sync mode.
        var rawFramesPerSecond: Double
        /// Frames written by each way.
        var frames: Int
        /// `spool N/s, raw LMDB M/s (ratio)`.
        var description: String {
            let ratio = rawFramesPerSecond > 0 ? spoolFramesPerSecond / rawFramesPerSecond : 0
            return "spool \(Int(spoolFramesPerSecond)) frames/s, raw LMDB \(Int(rawFramesPerSecond)) frames/s "
                + "(spool/raw \(Double(Int(ratio * 1000)) / 1000)) over \(frames) frames"
        }
    }

    /// Writes `frames` frames of `frameSize` bytes in batches of `batchSize`, once through a
    /// ``Spool`` in `directory`/spool and once as raw LMDB puts in `directory`/raw (neither may
    /// exist yet; `directory` must). The ring is large enough not to evict.
    static func compare(in directory: String, frames: Int = 100_000, frameSize: Int = 450,
                        batchSize: Int = 256, durability: SpoolDurability = .sync) throws -> Result {
        let capacity = frames * (frameSize + Spool.frameHeaderSize) * 2
        let options = SpoolOptions(capacityBytes: capacity, durability: durability)
        let frame = (0..<frameSize).map { UInt8(truncatingIfNeeded: $0) }
        let batches = (frames + batchSize - 1) / batchSize

        let spool = try Spool.open(at: directory + "/spool", options: options)
        var batch = SpoolBatch(reservingFrames: batchSize, bytes: batchSize * frameSize)
        let spoolStart = ContinuousClock.now
        for _ in 0..<batches {
            batch.removeAll()
            for _ in 0..<batchSize { batch.append(frame, receivedAt: 1) }
            _ = try spool.append(batch)
        }
        let spoolTime = ContinuousClock.now - spoolStart
        try spool.close()

        try FileManager.default.createDirectory(atPath: directory + "/raw", withIntermediateDirectories: false)
        let raw = try RawLMDB(path: directory + "/raw", mapSize: options.mapSize, durability: durability)
        let rawTime = try raw.append(frame, batches: batches, batchSize: batchSize)
        let total = batches * batchSize
        return Result(spoolFramesPerSecond: Double(total) / seconds(spoolTime),
                      rawFramesPerSecond: Double(total) / seconds(rawTime), frames: total)
    }

    private static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}

/// Plain LMDB through its C API, opened as the spool opens its environment (`MDB_NOTLS` plus the
/// durability's flags): the reference the spool is measured against.
private final class RawLMDB {
    private let env: OpaquePointer

    init(path: String, mapSize: Int, durability: SpoolDurability) throws {
        var handle: OpaquePointer?
        try Self.check(mdb_env_create(&handle), "mdb_env_create")
        guard let handle else { throw BenchError("mdb_env_create gave no environment") }
        let flags: UInt32 = switch durability {
        case .sync: 0
        case .noMetaSync: UInt32(MDB_NOMETASYNC)
        case .periodic: UInt32(MDB_NOSYNC)
        }
        do {
            try Self.check(mdb_env_set_mapsize(handle, mapSize), "mdb_env_set_mapsize")
            try Self.check(mdb_env_set_maxdbs(handle, 2), "mdb_env_set_maxdbs")
            try Self.check(mdb_env_set_maxreaders(handle, 126), "mdb_env_set_maxreaders")
            try Self.check(mdb_env_open(handle, path, flags | UInt32(MDB_NOTLS), 0o640), "mdb_env_open")
        } catch {
            mdb_env_close(handle)
            throw error
        }
        env = handle
    }

    deinit { mdb_env_close(env) }

    /// `batches` write transactions of `batchSize` `MDB_APPEND` puts of `frame` behind an 8-byte
    /// receive time, under 8-byte big-endian sequence keys, as the spool stores frames.
    func append(_ frame: [UInt8], batches: Int, batchSize: Int) throws -> Duration {
        let dbi = try transaction { txn in
            var dbi: MDB_dbi = 0
            try Self.check(mdb_dbi_open(txn, "frames", UInt32(MDB_CREATE), &dbi), "mdb_dbi_open")
            return dbi
        }
        var value = [UInt8](repeating: 0, count: 8)
        value.append(contentsOf: frame)
        var sequence: UInt64 = 1
        let start = ContinuousClock.now
        for _ in 0..<batches {
            try transaction { txn in
                try value.withUnsafeMutableBytes { bytes in
                    var data = MDB_val(mv_size: bytes.count, mv_data: bytes.baseAddress)
                    for _ in 0..<batchSize {
                        var key = sequence.bigEndian
                        try withUnsafeMutableBytes(of: &key) { keyBytes in
                            var k = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
                            try Self.check(mdb_put(txn, dbi, &k, &data, UInt32(MDB_APPEND)), "mdb_put")
                        }
                        sequence += 1
                    }
                }
            }
        }
        return ContinuousClock.now - start
    }

    /// Runs `body` in a write transaction and commits it; aborts it if `body` throws.
    private func transaction<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        var handle: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, 0, &handle), "mdb_txn_begin")
        guard let txn = handle else { throw BenchError("mdb_txn_begin gave no transaction") }
        let result: T
        do { result = try body(txn) } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try Self.check(mdb_txn_commit(txn), "mdb_txn_commit")
        return result
    }

    private static func check(_ rc: Int32, _ call: String) throws {
        guard rc == MDB_SUCCESS else { throw BenchError("\(call): \(String(cString: mdb_strerror(rc)))") }
    }
}

/// `dhcpkafka-bench spool`: ``SpoolBenchmark/compare(in:frames:frameSize:batchSize:durability:)``
/// in `directory` (default: a temporary one, removed afterwards), printed as one result line.
struct SpoolAppendBenchmark {
    var frames: Int
    var frameSize: Int
    var batchSize: Int
    /// `sync`, `nometasync` or `periodic:S`.
    var durability: String
    /// Where to write; empty for a temporary directory.
    var directory: String

    func run() throws {
        guard frames > 0, frameSize > 0, batchSize > 0 else {
            throw BenchError("--frames, --frame-size and --batch must be positive")
        }
        let mode: SpoolDurability = durability == "nometasync" ? .noMetaSync
            : durability.hasPrefix("periodic") ? .periodic(interval: .seconds(1)) : .sync
        let path = directory.isEmpty ? NSTemporaryDirectory() + "dhcpkafka-bench-spool-\(getpid())" : directory
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { if directory.isEmpty { try? FileManager.default.removeItem(atPath: path) } }
        let result = try SpoolBenchmark.compare(
            in: path, frames: frames, frameSize: frameSize, batchSize: batchSize, durability: mode)
        emit([("benchmark", "spool"), ("durability", durability), ("frame_bytes", frameSize), ("batch_frames", batchSize),
              ("frames", result.frames), ("spool_api_frames_per_second", result.spoolFramesPerSecond),
              ("raw_lmdb_frames_per_second", result.rawFramesPerSecond),
              ("ratio_to_raw_lmdb",
               result.rawFramesPerSecond > 0 ? result.spoolFramesPerSecond / result.rawFramesPerSecond : 0)])
        note("spool (\(durability), \(frameSize) B, batch \(batchSize)): \(result)")
    }
}
