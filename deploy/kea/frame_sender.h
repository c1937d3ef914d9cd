// DHCPKafkaMessage frames for the DHCPKafka daemon, and a sender that never blocks.
//
// Plain C++ (no Kea types) so the encoder is unit-tested byte for byte against the Swift
// FrameEncoder (Tests/EndToEndTests/KeaHookTests.swift) and benchmarked without Kea.
//
// Frame (byte-compatible with dhcpkit-kafka 1.0.0), big-endian:
//   u8 type=1 | u8 name-len | server-name | f64 timestamp-in | u16 len-in | message-in
//             | f64 timestamp-out | u16 len-out | message-out
#ifndef DHCPKAFKA_FRAME_SENDER_H
#define DHCPKAFKA_FRAME_SENDER_H

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace dhcpkafka {

constexpr size_t kMaxServerNameBytes = 255;
constexpr size_t kMaxMessageBytes = 65535;

// The frame's size for these part lengths, or 0 when a part is too long for the format.
size_t frame_size(size_t name_len, size_t in_len, size_t out_len);

// Writes a frame into `out`, which holds at least frame_size(...) bytes (the caller checked that
// it is non-zero). A null or empty message is written as absent (length 0).
void encode_frame(uint8_t* out, const std::string& server_name, const uint8_t* in, size_t in_len,
                  double ts_in, const uint8_t* reply, size_t reply_len, double ts_out);

// Seconds since the epoch, as frames record time.
double wall_clock_now();

// dropped_permission_denied: EACCES/EPERM, this process may not reach the socket (its mode or owner,
// or a directory on its path); the daemon may well be running, and waiting does not help.
enum class SendOutcome {
    sent, dropped_queue_full, dropped_daemon_down, dropped_too_large, dropped_other, dropped_permission_denied
};

// The line for the first drop of a kind: what happened to frames for `path`, and what to do.
std::string first_failure_message(SendOutcome outcome, const std::string& path, int error);

struct SendCounters {
    uint64_t sent = 0;
    uint64_t dropped_queue_full = 0;
    uint64_t dropped_daemon_down = 0;
    uint64_t dropped_too_large = 0;
    uint64_t dropped_other = 0;
    uint64_t dropped_permission_denied = 0;
};

// Sends one frame per transaction to the daemon's Unix datagram socket. Never blocks and never
// retries: when the daemon's queue is full (stalled) or nobody listens (stopped), the frame is
// dropped and counted; after an error that means "daemon gone" the socket is closed and a later
// send reconnects, at most once per reconnect interval. Safe to use from many threads.
// `report`, when set, is called once for the first drop of each kind with first_failure_message(),
// outside the sender's lock, on the sending thread (the hook logs it through Kea's logger).
class FrameSender {
public:
    using Report = std::function<void(SendOutcome, const std::string&)>;

    FrameSender(std::string socket_path, std::string server_name,
                std::chrono::milliseconds reconnect_interval = std::chrono::milliseconds(100),
                int send_buffer_bytes = 1 << 20, Report report = nullptr);
    ~FrameSender();
    FrameSender(const FrameSender&) = delete;
    FrameSender& operator=(const FrameSender&) = delete;

    // Encodes and sends one transaction; `reply` null/empty when the server sent none.
    SendOutcome send(const uint8_t* in, size_t in_len, double ts_in, const uint8_t* reply, size_t reply_len,
                     double ts_out);

    SendCounters counters() const;
    const std::string& socket_path() const { return path_; }
    const std::string& server_name() const { return name_; }

private:
    bool connect_locked();
    void count(SendOutcome outcome);
    void note_first_failure(SendOutcome outcome, int error);

    const std::string path_;
    const std::string name_;
    const std::chrono::milliseconds reconnect_interval_;
    const int send_buffer_bytes_;
    const Report report_;

    std::mutex mutex_;  // guards fd_ and last_attempt_: a send must never race a close/reconnect
    int fd_ = -1;
    bool attempted_ = false;
    // Why the last connect failed (and its errno): drops until the next attempt count as that.
    SendOutcome last_failure_ = SendOutcome::dropped_daemon_down;
    int last_errno_ = 0;
    std::chrono::steady_clock::time_point last_attempt_;

    std::atomic<uint64_t> sent_{0}, queue_full_{0}, daemon_down_{0}, too_large_{0}, other_{0}, permission_denied_{0};
    std::atomic<unsigned> reported_{0};  // one bit per SendOutcome already reported
};

}  // namespace dhcpkafka

#endif
