// Kea DHCPv6 hook: hands every transaction (query as received + reply as sent, or no reply when
// Kea drops the query) as one DHCPKafkaMessage frame to the DHCPKafka daemon's Unix socket.
//
// Only the Kea glue lives here; frame encoding and the non-blocking sender are in frame_sender.cc.
//
// How one frame per transaction comes about: buffer6_receive copies the raw query and its receive
// time into a PendingTransaction stored in the query's callout-handle context. Kea runs buffer6_send
// with that same handle (getCalloutHandle(query)), so the reply's wire bytes complete the frame there.
// When Kea drops the query, no buffer6_send happens; the handle, owned by the query packet, is
// destroyed with it and ~CalloutHandle clears the contexts, so ~PendingTransaction sends the frame
// without a reply.
#include "frame_sender.h"

#include <cc/command_interpreter.h>
#include <cc/data.h>
#include <dhcp/pkt6.h>
#include <hooks/hooks.h>
#include <log/logger.h>
#include <log/macros.h>
#include <log/message_initializer.h>

#include <boost/date_time/posix_time/posix_time.hpp>
#include <boost/make_shared.hpp>

#include <memory>
#include <netdb.h>
#include <sstream>
#include <unistd.h>

using namespace isc;
using namespace isc::data;
using namespace isc::dhcp;
using namespace isc::hooks;

namespace {

// Log messages, registered the way Kea's generated message files do.
const isc::log::MessageID DHCPKAFKA_LOADED = "DHCPKAFKA_LOADED";
const isc::log::MessageID DHCPKAFKA_BAD_PARAMETERS = "DHCPKAFKA_BAD_PARAMETERS";
const isc::log::MessageID DHCPKAFKA_UNLOADED = "DHCPKAFKA_UNLOADED";
const isc::log::MessageID DHCPKAFKA_DROPPING = "DHCPKAFKA_DROPPING";
const char* messages[] = {
    "DHCPKAFKA_LOADED", "dhcpkafka hook loaded: frames go to socket %1 as server-name '%2'",
    "DHCPKAFKA_BAD_PARAMETERS", "dhcpkafka hook not loaded: %1",
    "DHCPKAFKA_UNLOADED",
    "dhcpkafka hook unloaded: sent %1, dropped queue-full %2, daemon-down %3, too-large %4, other %5, permission-denied %6",
    // The first drop of each kind (daemon down, permission denied, queue full, ...), once, with what to do.
    "DHCPKAFKA_DROPPING", "dhcpkafka hook %1",
    nullptr};
const isc::log::MessageInitializer message_initializer(messages);
isc::log::Logger logger("dhcpkafka-hooks");

const char* const kContextName = "dhcpkafka";
const char* const kDefaultSocket = "/run/dhcpkafka/ingest.sock";

// Set in load(), cleared in unload(). Each pending transaction keeps its own reference, so a
// query still in flight at unload (reconfiguration) finishes with the sender it started with.
std::shared_ptr<dhcpkafka::FrameSender> current_sender;

std::shared_ptr<dhcpkafka::FrameSender> sender() { return std::atomic_load(&current_sender); }

// A received query waiting for Kea's reply.
class PendingTransaction {
public:
    PendingTransaction(std::shared_ptr<dhcpkafka::FrameSender> sender, const std::vector<uint8_t>& query,
                       double received_at)
        : sender_(std::move(sender)), query_(query), received_at_(received_at) {}

    // Kea dropped the query (or the reply never reached buffer6_send): the frame has no reply.
    ~PendingTransaction() {
        if (finished_) return;
        try {
            sender_->send(query_.data(), query_.size(), received_at_, nullptr, 0, dhcpkafka::wall_clock_now());
        } catch (...) {
            // Only growing the encode buffer can throw (bad_alloc); a destructor must not, or Kea aborts.
        }
    }

    void finish(const uint8_t* reply, size_t length) {
        if (finished_) return;  // one frame per transaction
        finished_ = true;
        sender_->send(query_.data(), query_.size(), received_at_, reply, length, dhcpkafka::wall_clock_now());
    }

private:
    std::shared_ptr<dhcpkafka::FrameSender> sender_;
    std::vector<uint8_t> query_;  // copied: Pkt6::data_ is gone by the time the handle is destroyed
    double received_at_;
    bool finished_ = false;
};
typedef boost::shared_ptr<PendingTransaction> PendingTransactionPtr;

// When IfaceMgr received the packet (before Kea's packet queue), else now.
double receive_time(const Pkt6& query) {
    const boost::posix_time::ptime& stamp = query.getTimestamp();
    if (stamp.is_special()) return dhcpkafka::wall_clock_now();
    static const boost::posix_time::ptime epoch(boost::gregorian::date(1970, 1, 1));
    return static_cast<double>((stamp - epoch).total_microseconds()) / 1e6;
}

// The host's fully qualified name if the resolver knows one, else its host name.
std::string default_server_name() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) return "localhost";
    addrinfo hints{};
    hints.ai_flags = AI_CANONNAME;
    addrinfo* info = nullptr;
    std::string name = host;
    if (getaddrinfo(host, nullptr, &hints, &info) == 0) {
        if (info != nullptr && info->ai_canonname != nullptr) name = info->ai_canonname;
        freeaddrinfo(info);
    }
    return name;
}

// Reads an optional string parameter; returns false with `error` set when it is not a string.
bool string_parameter(LibraryHandle& handle, const char* name, std::string& value, std::string& error) {
    ConstElementPtr element = handle.getParameter(name);
    if (!element) return true;
    if (element->getType() != Element::string) {
        error = std::string("parameter '") + name + "' must be a string, got " + element->str();
        return false;
    }
    value = element->stringValue();
    return true;
}

std::string validate(LibraryHandle& handle, std::string& socket, std::string& name) {
    for (const std::string& key : handle.getParameterNames()) {
        if (key != "socket" && key != "server-name") {
            return "unknown parameter '" + key + "': the dhcpkafka hook takes 'socket' and 'server-name'";
        }
    }
    std::string error;
    if (!string_parameter(handle, "socket", socket, error) || !string_parameter(handle, "server-name", name, error)) {
        return error;
    }
    if (socket.empty() || socket.size() > 107) {
        return "parameter 'socket' ('" + socket + "') must be a path of 1 to 107 bytes (a Unix socket address)";
    }
    if (name.size() > dhcpkafka::kMaxServerNameBytes) {
        return "parameter 'server-name' is " + std::to_string(name.size()) +
               " bytes of UTF-8; frames carry at most 255: choose a shorter name";
    }
    return "";
}

ElementPtr counters_element(const dhcpkafka::SendCounters& c) {
    ElementPtr map = Element::createMap();
    map->set("sent", Element::create(static_cast<int64_t>(c.sent)));
    map->set("dropped-queue-full", Element::create(static_cast<int64_t>(c.dropped_queue_full)));
    map->set("dropped-daemon-down", Element::create(static_cast<int64_t>(c.dropped_daemon_down)));
    map->set("dropped-too-large", Element::create(static_cast<int64_t>(c.dropped_too_large)));
    map->set("dropped-other", Element::create(static_cast<int64_t>(c.dropped_other)));
    map->set("dropped-permission-denied", Element::create(static_cast<int64_t>(c.dropped_permission_denied)));
    return map;
}

// {"command": "dhcpkafka-stats"} on Kea's control socket: the sender's counters.
int dhcpkafka_stats(CalloutHandle& handle) {
    std::shared_ptr<dhcpkafka::FrameSender> active = sender();
    ConstElementPtr answer = active ? config::createAnswer(config::CONTROL_RESULT_SUCCESS, "dhcpkafka counters",
                                                           counters_element(active->counters()))
                                    : config::createAnswer(config::CONTROL_RESULT_ERROR, "dhcpkafka hook not loaded");
    handle.setArgument("response", answer);
    return 0;
}

}  // namespace

extern "C" {

int version() { return KEA_HOOKS_VERSION; }

// The sender serializes socket use with a mutex and PendingTransaction belongs to one query.
int multi_threading_compatible() { return 1; }

int load(LibraryHandle& handle) {
    std::string socket = kDefaultSocket;
    std::string name;
    bool named = false;
    std::string error;
    try {
        ConstElementPtr given = handle.getParameter("server-name");
        named = static_cast<bool>(given);
        error = validate(handle, socket, name);
    } catch (const std::exception& e) {
        error = e.what();
    }
    if (!error.empty()) {
        LOG_ERROR(logger, DHCPKAFKA_BAD_PARAMETERS).arg(error);
        return 1;
    }
    if (!named) name = default_server_name().substr(0, dhcpkafka::kMaxServerNameBytes);
    // Until unload Kea's log would show nothing about frames that never reach the daemon: log the
    // first drop of each kind, with the hint, as the DHCPKit extension does.
    auto report = [](dhcpkafka::SendOutcome, const std::string& message) {
        LOG_WARN(logger, DHCPKAFKA_DROPPING).arg(message);
    };
    std::atomic_store(&current_sender, std::make_shared<dhcpkafka::FrameSender>(
                                           socket, name, std::chrono::milliseconds(100), 1 << 20, report));
    handle.registerCommandCallout("dhcpkafka-stats", dhcpkafka_stats);
    LOG_INFO(logger, DHCPKAFKA_LOADED).arg(socket).arg(name);
    return 0;
}

int unload() {
    std::shared_ptr<dhcpkafka::FrameSender> last = std::atomic_exchange(&current_sender, {});
    if (last) {
        const dhcpkafka::SendCounters c = last->counters();
        LOG_INFO(logger, DHCPKAFKA_UNLOADED)
            .arg(c.sent).arg(c.dropped_queue_full).arg(c.dropped_daemon_down).arg(c.dropped_too_large)
            .arg(c.dropped_other).arg(c.dropped_permission_denied);
    }
    return 0;
}

int buffer6_receive(CalloutHandle& handle) {
    std::shared_ptr<dhcpkafka::FrameSender> active = sender();
    if (!active) return 0;
    Pkt6Ptr query;
    handle.getArgument("query6", query);
    if (!query) return 0;
    handle.setContext(kContextName,
                      boost::make_shared<PendingTransaction>(std::move(active), query->data_, receive_time(*query)));
    return 0;
}

int buffer6_send(CalloutHandle& handle) {
    Pkt6Ptr response;
    handle.getArgument("response6", response);
    if (!response) return 0;
    PendingTransactionPtr pending;
    try {
        handle.getContext(kContextName, pending);
    } catch (const NoSuchCalloutContext&) {
        return 0;  // the query arrived before this library was loaded
    }
    const util::OutputBuffer& wire = response->getBuffer();
    pending->finish(static_cast<const uint8_t*>(wire.getData()), wire.getLength());
    return 0;
}

}  // extern "C"
