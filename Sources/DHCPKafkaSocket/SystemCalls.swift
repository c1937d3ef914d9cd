import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

extension Errno {
    /// The calling thread's `errno` now. swift-system keeps its own accessor internal; read it
    /// right after the call that failed, before anything else can change it.
    static var last: Errno { Errno(rawValue: Glibc.errno) }

    /// Runs one of swift-system's calls (they throw only `Errno`, but declare untyped `throws`)
    /// and gives its error its type back.
    static func result<R>(of body: () throws -> R) -> Result<R, Errno> {
        do { return .success(try body()) } catch { return .failure(error as? Errno ?? .ioError) }
    }
}

/// Runs a socket call that swift-system has no wrapper for (`send`, `poll`, `connect`, ...),
/// retrying while it fails with `EINTR` as swift-system's own calls do with `retryOnInterrupt:
/// true`; its result, or the `errno` it failed with.
@inline(__always)
func retryOnInterrupt<T: FixedWidthInteger>(_ call: () -> T) -> Result<T, Errno> {
    while true {
        let result = call()
        if result != -1 { return .success(result) }
        let error = Errno.last
        if error != .interrupted { return .failure(error) }
    }
}
