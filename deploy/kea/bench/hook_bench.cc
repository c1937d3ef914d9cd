// Per-frame cost of the Kea hook's send path (FrameSender::send: encode + non-blocking send +
// counting), as a Kea worker thread pays it, with the daemon healthy, stopped or stalled.
//
//   hook_bench                        all three against a socket of its own: "healthy" (a thread
//                                     drains it; paced at 50000/s, and "healthy-flood" back to back),
//                                     "stopped" (nothing bound at the path), "stalled"
//                                     (bound, never read: the queue fills, sends fail with EAGAIN)
//   hook_bench --socket PATH --label L  one run against an existing socket (a real `dhcpkafka run`,
//                                     see bench/run.sh)
//   --frames N (default 200000)  --rate R frames/s (default 0: back to back)
//
// Prints one JSON line per run: latencies in nanoseconds and what happened to the frames.
// Transactions cycle through the sizes Kea produced in the end-to-end test (Solicit/Advertise,
// Request/Reply, Renew/Reply, Release/Reply, and relayed ones with relay-forw/relay-repl).
#include "frame_sender.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <time.h>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

struct Options {
    std::string socket;
    std::string label;
    long frames = 200000;
    double rate = 0;
};

uint64_t now_ns() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
}

int bind_socket(const std::string& path) {
    unlink(path.c_str());
    const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        std::perror(("bind " + path).c_str());
        std::exit(1);
    }
    return fd;
}

void run(const Options& options, const std::string& label) {
    static const size_t sizes[][2] = {{64, 223}, {135, 223}, {135, 223}, {127, 211}, {178, 279}, {249, 289}};
    std::vector<std::vector<uint8_t>> messages;
    for (const auto& pair : sizes) {
        for (size_t size : pair) {
            std::vector<uint8_t> message(size);
            for (size_t i = 0; i < size; ++i) message[i] = static_cast<uint8_t>(i * 31 + size);
            messages.push_back(message);
        }
    }
    dhcpkafka::FrameSender sender(options.socket, "kea01.example.net");
    std::vector<uint32_t> latencies(options.frames);
    const uint64_t interval = options.rate > 0 ? static_cast<uint64_t>(1e9 / options.rate) : 0;
    const uint64_t begin = now_ns();
    for (long i = 0; i < options.frames; ++i) {
        if (interval) {
            while (now_ns() < begin + i * interval) {}
        }
        const auto& in = messages[(i % 6) * 2];
        const auto& out = messages[(i % 6) * 2 + 1];
        const double t = dhcpkafka::wall_clock_now();
        const uint64_t start = now_ns();
        sender.send(in.data(), in.size(), t, out.data(), out.size(), t + 0.0002);
        latencies[i] = static_cast<uint32_t>(std::min<uint64_t>(now_ns() - start, UINT32_MAX));
    }
    const double seconds = (now_ns() - begin) / 1e9;
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) { return latencies[std::min<size_t>(latencies.size() - 1, latencies.size() * p)]; };
    const dhcpkafka::SendCounters c = sender.counters();
    std::printf("{\"bench\":\"kea-hook-send\",\"daemon\":\"%s\",\"frames\":%ld,\"seconds\":%.3f,\"p50_ns\":%u,"
                "\"p99_ns\":%u,\"p999_ns\":%u,\"max_ns\":%u,\"sent\":%llu,\"dropped_queue_full\":%llu,"
                "\"dropped_daemon_down\":%llu,\"dropped_other\":%llu}\n",
                label.c_str(), options.frames, seconds, pct(0.5), pct(0.99), pct(0.999), latencies.back(),
                static_cast<unsigned long long>(c.sent), static_cast<unsigned long long>(c.dropped_queue_full),
                static_cast<unsigned long long>(c.dropped_daemon_down), static_cast<unsigned long long>(c.dropped_other));
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--socket") options.socket = argv[i + 1];
        else if (flag == "--label") options.label = argv[i + 1];
        else if (flag == "--frames") options.frames = std::atol(argv[i + 1]);
        else if (flag == "--rate") options.rate = std::atof(argv[i + 1]);
        else {
            std::fprintf(stderr, "unknown option %s (see the comment at the top of hook_bench.cc)\n", argv[i]);
            return 2;
        }
    }
    if (!options.socket.empty()) {
        run(options, options.label.empty() ? "external" : options.label);
        return 0;
    }
    char directory[] = "/tmp/hook-bench.XXXXXX";
    if (mkdtemp(directory) == nullptr) return 1;
    options.socket = std::string(directory) + "/ingest.sock";

    const int receiver = bind_socket(options.socket);
    std::atomic<bool> done{false};
    std::thread drain([&] {
        std::vector<uint8_t> buffer(1 << 17);
        timeval timeout{0, 100000};
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        while (!done.load()) recv(receiver, buffer.data(), buffer.size(), 0);
    });
    // A busy Kea answers thousands of queries per second; 50000/s is far above that. "healthy-flood"
    // sends back to back, faster than the drain thread reads, so some sends find the queue full.
    Options paced = options;
    paced.rate = options.rate > 0 ? options.rate : 50000;
    run(paced, "healthy");
    Options flood = options;
    flood.rate = 0;
    run(flood, "healthy-flood");
    done = true;
    drain.join();
    close(receiver);

    unlink(options.socket.c_str());
    run(options, "stopped");

    const int stalled = bind_socket(options.socket);
    run(options, "stalled");
    close(stalled);
    unlink(options.socket.c_str());
    rmdir(directory);
    return 0;
}
