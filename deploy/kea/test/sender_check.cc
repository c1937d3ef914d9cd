// FrameSender's drop accounting against a real socket, for Tests/EndToEndTests/KeaHookTests.swift.
//   sender_check PATH FRAMES [UID]
// With UID, drops to that user (and its group, no supplementary groups) first, as Kea may run.
// Sends FRAMES frames, one reconnect interval apart in three rounds, then prints the counters and
// every line the sender reported, one "key value" or "report <line>" per line.
#include "frame_sender.h"

#include <grp.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: sender_check PATH FRAMES [UID]\n";
        return 2;
    }
    if (argc > 3) {
        const uid_t uid = static_cast<uid_t>(std::strtoul(argv[3], nullptr, 10));
        if (setgroups(0, nullptr) != 0 || setgid(uid) != 0 || setuid(uid) != 0) {
            std::perror("dropping privileges");
            return 2;
        }
    }
    std::mutex mutex;
    std::vector<std::string> reports;
    const auto interval = std::chrono::milliseconds(10);
    dhcpkafka::FrameSender sender(argv[1], "sender-check", interval, 1 << 20,
                                  [&](dhcpkafka::SendOutcome, const std::string& line) {
                                      std::lock_guard<std::mutex> lock(mutex);
                                      reports.push_back(line);
                                  });
    const long frames = std::strtol(argv[2], nullptr, 10);
    const uint8_t message[] = {1, 0x5a, 1, 1};
    for (long i = 0; i < frames; ++i) {
        if (i % (frames / 3 + 1) == 0) std::this_thread::sleep_for(interval * 2);  // a new connect attempt
        sender.send(message, sizeof message, 1.0, message, sizeof message, 2.0);
    }
    const dhcpkafka::SendCounters c = sender.counters();
    std::cout << "sent " << c.sent << "\n"
              << "dropped_queue_full " << c.dropped_queue_full << "\n"
              << "dropped_daemon_down " << c.dropped_daemon_down << "\n"
              << "dropped_permission_denied " << c.dropped_permission_denied << "\n"
              << "dropped_too_large " << c.dropped_too_large << "\n"
              << "dropped_other " << c.dropped_other << "\n";
    for (const std::string& line : reports) std::cout << "report " << line << "\n";
    return 0;
}
