import Foundation
import Synchronization

/// Dedicated threads for blocking work (recvmmsg, fdatasync, librdkafka's poll), never the
/// cooperative pool, and a way for async code to ask them to stop and wait for them.
public final class ThreadGroup: Sendable {
    private struct State {
        var stopping = false
        var running = 0
        var failure: (any Error)?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Makes an empty group.
    public init() {}

    /// Starts `body` on a new thread named `name`. A thrown error is kept (the first one is
    /// rethrown by ``waitUntilFinished()``) and asks the other threads to stop.
    public func spawn(_ name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () throws -> Void) {
        state.withLock { $0.running += 1 }
        let thread = Thread { [self] in
            do { try body() } catch { fail(error) }
            let waiters = state.withLock { state in
                state.running -= 1
                guard state.running == 0 else { return [CheckedContinuation<Void, Never>]() }
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }

    /// Asks every thread to finish (they poll ``isStopping``).
    public func requestStop() { state.withLock { $0.stopping = true } }

    /// Whether a stop was requested (or a thread failed).
    public var isStopping: Bool { state.withLock { $0.stopping } }

    /// Records `error` as the reason the group stops, and asks every thread to stop.
    public func fail(_ error: any Error) {
        state.withLock { state in
            if state.failure == nil { state.failure = error }
            state.stopping = true
        }
    }

    /// Waits until every thread has finished; throws the first error one of them failed with.
    public func waitUntilFinished() async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state in
                if state.running == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
        if let error = state.withLock({ $0.failure }) { throw error }
    }
}
