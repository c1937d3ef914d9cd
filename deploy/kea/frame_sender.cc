#include "frame_sender.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace dhcpkafka {

size_t frame_size(size_t name_len, size_t in_len, size_t out_len) {
    if (name_len > kMaxServerNameBytes || in_len > kMaxMessageBytes || out_len > kMaxMessageBytes) return 0;
    return 2 + name_len + 10 + in_len + 10 + out_len;
}

namespace {

uint8_t* put_u16(uint8_t* p, size_t value) {
    p[0] = static_cast<uint8_t>(value >> 8);
    p[1] = static_cast<uint8_t>(value);
    return p + 2;
}

uint8_t* put_f64(uint8_t* p, double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);  // IEEE-754 bit pattern, NaN payloads included
    for (int shift = 56; shift >= 0; shift -= 8) *p++ = static_cast<uint8_t>(bits >> shift);
    return p;
}

uint8_t* put_bytes(uint8_t* p, const uint8_t* bytes, size_t len) {
    if (bytes != nullptr && len > 0) std::memcpy(p, bytes, len);
    return p + len;
}

}  // namespace

void encode_frame(uint8_t* out, const std::string& server_name, const uint8_t* in, size_t in_len, double ts_in,
                  const uint8_t* reply, size_t reply_len, double ts_out) {
    if (in == nullptr) in_len = 0;
    if (reply == nullptr) reply_len = 0;
    uint8_t* p = out;
    *p++ = 1;  // Kafka message type of DHCPKafkaMessage
    *p++ = static_cast<uint8_t>(server_name.size());
    p = put_bytes(p, reinterpret_cast<const uint8_t*>(server_name.data()), server_name.size());
    p = put_f64(p, ts_in);
    p = put_u16(p, in_len);
    p = put_bytes(p, in, in_len);
    p = put_f64(p, ts_out);
    p = put_u16(p, reply_len);
    put_bytes(p, reply, reply_len);
}

double wall_clock_now() {
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

std::string first_failure_message(SendOutcome outcome, const std::string& path, int error) {
    std::string what;
    switch (outcome) {
    case SendOutcome::sent: return "";
    case SendOutcome::dropped_queue_full:
        what = "the daemon's queue is full (it is stalled or overloaded); check `dhcpkafka spool stats` and its log";
        break;
    case SendOutcome::dropped_daemon_down:
        what = "no daemon is receiving (stopped or restarting); start dhcpkafka or check socket-path here and "
               "`socket path` in its configuration";
        break;
    case SendOutcome::dropped_permission_denied:
        what = "permission denied for uid " + std::to_string(getuid()) + " gid " + std::to_string(getgid()) +
               ": Kea may not write to the socket or search a directory on its path; give Kea's user the "
               "socket's group (dhcpkafka --socket-group) or fix the directory's permissions. Waiting will not help";
        break;
    case SendOutcome::dropped_too_large:
        what = "a frame is too large for the frame format or the socket (messages over 65535 bytes)";
        break;
    case SendOutcome::dropped_other: what = "send failed"; break;
    }
    if (error != 0) what += std::string(" [") + std::strerror(error) + "]";
    return "dropping frames for " + path + ": " + what + " (logged once per kind; see dhcpkafka-stats)";
}

FrameSender::FrameSender(std::string socket_path, std::string server_name,
                         std::chrono::milliseconds reconnect_interval, int send_buffer_bytes, Report report)
    : path_(std::move(socket_path)), name_(std::move(server_name)), reconnect_interval_(reconnect_interval),
      send_buffer_bytes_(send_buffer_bytes), report_(std::move(report)) {}

FrameSender::~FrameSender() {
    if (fd_ >= 0) close(fd_);
}

SendOutcome FrameSender::send(const uint8_t* in, size_t in_len, double ts_in, const uint8_t* reply,
                              size_t reply_len, double ts_out) {
    const size_t size = frame_size(name_.size(), in ? in_len : 0, reply ? reply_len : 0);
    if (size == 0) {
        count(SendOutcome::dropped_too_large);
        note_first_failure(SendOutcome::dropped_too_large, 0);
        return SendOutcome::dropped_too_large;
    }
    // One buffer per thread, grown to the largest frame seen: no allocation per frame, and
    // encoding happens outside the lock so Kea's worker threads only serialize on send().
    thread_local std::vector<uint8_t> buffer;
    if (buffer.size() < size) buffer.resize(size);
    encode_frame(buffer.data(), name_, in, in_len, ts_in, reply, reply_len, ts_out);

    SendOutcome outcome;
    int error = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (fd_ < 0 && !connect_locked()) {
            outcome = last_failure_;
            error = last_errno_;
        } else if (::send(fd_, buffer.data(), size, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
            outcome = SendOutcome::sent;
        } else {
            error = errno;
            switch (error) {
            case EAGAIN: outcome = SendOutcome::dropped_queue_full; break;  // daemon stalled or behind
            case EMSGSIZE: outcome = SendOutcome::dropped_too_large; break;
            case ECONNREFUSED: case ENOTCONN: case ENOENT: case ECONNRESET: case EDESTADDRREQ: case EPIPE:
                // The daemon went away (a restart binds a new socket): reconnect on a later send.
                close(fd_);
                fd_ = -1;
                outcome = SendOutcome::dropped_daemon_down;
                break;
            case EACCES: case EPERM:
                close(fd_);
                fd_ = -1;
                last_failure_ = SendOutcome::dropped_permission_denied;
                last_errno_ = error;
                outcome = SendOutcome::dropped_permission_denied;
                break;
            default: outcome = SendOutcome::dropped_other; break;
            }
        }
    }
    count(outcome);
    if (outcome != SendOutcome::sent) note_first_failure(outcome, error);
    return outcome;
}

void FrameSender::note_first_failure(SendOutcome outcome, int error) {
    if (!report_) return;
    const unsigned bit = 1u << static_cast<unsigned>(outcome);
    if (reported_.load(std::memory_order_relaxed) & bit) return;
    if (reported_.fetch_or(bit, std::memory_order_relaxed) & bit) return;
    report_(outcome, first_failure_message(outcome, path_, error));
}

bool FrameSender::connect_locked() {
    const auto now = std::chrono::steady_clock::now();
    if (attempted_ && now - last_attempt_ < reconnect_interval_) return false;
    attempted_ = true;
    last_attempt_ = now;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path_.empty() || path_.size() >= sizeof address.sun_path) return false;
    std::memcpy(address.sun_path, path_.data(), path_.size());
    const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    // Best effort: the kernel caps it at net.core.wmem_max; a smaller buffer only means earlier drops.
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer_bytes_, sizeof send_buffer_bytes_);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        last_errno_ = errno;
        last_failure_ = (last_errno_ == EACCES || last_errno_ == EPERM) ? SendOutcome::dropped_permission_denied
                                                                         : SendOutcome::dropped_daemon_down;
        close(fd);
        return false;
    }
    fd_ = fd;
    return true;
}

void FrameSender::count(SendOutcome outcome) {
    switch (outcome) {
    case SendOutcome::sent: sent_.fetch_add(1, std::memory_order_relaxed); break;
    case SendOutcome::dropped_queue_full: queue_full_.fetch_add(1, std::memory_order_relaxed); break;
    case SendOutcome::dropped_daemon_down: daemon_down_.fetch_add(1, std::memory_order_relaxed); break;
    case SendOutcome::dropped_too_large: too_large_.fetch_add(1, std::memory_order_relaxed); break;
    case SendOutcome::dropped_other: other_.fetch_add(1, std::memory_order_relaxed); break;
    case SendOutcome::dropped_permission_denied: permission_denied_.fetch_add(1, std::memory_order_relaxed); break;
    }
}

SendCounters FrameSender::counters() const {
    SendCounters c;
    c.sent = sent_.load(std::memory_order_relaxed);
    c.dropped_queue_full = queue_full_.load(std::memory_order_relaxed);
    c.dropped_daemon_down = daemon_down_.load(std::memory_order_relaxed);
    c.dropped_too_large = too_large_.load(std::memory_order_relaxed);
    c.dropped_other = other_.load(std::memory_order_relaxed);
    c.dropped_permission_denied = permission_denied_.load(std::memory_order_relaxed);
    return c;
}

}  // namespace dhcpkafka
