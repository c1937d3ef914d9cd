// Frame encoder driver for the byte-for-byte comparison with the Swift FrameEncoder
// (Tests/EndToEndTests/KeaHookTests.swift). Reads lines
//   name-hex <TAB> timestamp-in-bits <TAB> message-in-hex <TAB> timestamp-out-bits <TAB> message-out-hex
// (timestamps as the 16 hex digits of their IEEE-754 bits, so NaN payloads and -0 survive; a message
// "-" is absent, "" is empty) and prints each frame as hex, or "too-large" when the format cannot hold it.
#include "frame_sender.h"

#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<uint8_t> unhex(const std::string& text) {
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i + 1 < text.size(); i += 2) bytes.push_back(static_cast<uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
    return bytes;
}

double bits_to_double(const std::string& text) {
    const uint64_t bits = std::stoull(text, nullptr, 16);
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream stream(line);
    while (std::getline(stream, field, '\t')) fields.push_back(field);
    if (!line.empty() && line.back() == '\t') fields.push_back("");
    return fields;
}

}  // namespace

int main() {
    std::ios::sync_with_stdio(false);
    std::string line;
    static const char digits[] = "0123456789abcdef";
    while (std::getline(std::cin, line)) {
        std::vector<std::string> fields = split_tabs(line);
        if (fields.size() != 5) {
            std::cerr << "expected 5 tab-separated fields, got " << fields.size() << ": " << line.substr(0, 80) << "\n";
            return 2;
        }
        const std::vector<uint8_t> name_bytes = unhex(fields[0]);
        const std::string name(name_bytes.begin(), name_bytes.end());
        const bool has_in = fields[2] != "-", has_out = fields[4] != "-";
        const std::vector<uint8_t> in = has_in ? unhex(fields[2]) : std::vector<uint8_t>();
        const std::vector<uint8_t> out = has_out ? unhex(fields[4]) : std::vector<uint8_t>();
        const size_t size = dhcpkafka::frame_size(name.size(), in.size(), out.size());
        if (size == 0) {
            std::cout << "too-large\n";
            continue;
        }
        std::vector<uint8_t> frame(size);
        dhcpkafka::encode_frame(frame.data(), name, has_in ? in.data() : nullptr, in.size(), bits_to_double(fields[1]),
                                has_out ? out.data() : nullptr, out.size(), bits_to_double(fields[3]));
        std::string hex(size * 2, '0');
        for (size_t i = 0; i < size; ++i) {
            hex[2 * i] = digits[frame[i] >> 4];
            hex[2 * i + 1] = digits[frame[i] & 15];
        }
        std::cout << hex << "\n";
    }
    return 0;
}
