#if canImport(Glibc)
import Glibc
#endif

/// A plain pthread mutex that can be held across scopes (``lock()`` in one, ``unlock()`` in
/// another), which `Synchronization.Mutex` cannot: the acknowledging thread takes it under the
/// spool's mutex and releases it after a transaction that runs without that mutex.
final class CommitGate: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Takes the mutex; pair with ``unlock()`` (for a hold that spans two scopes).
    func lock() { pthread_mutex_lock(mutex) }

    /// Releases the mutex taken with ``lock()``.
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` holding the mutex.
    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
