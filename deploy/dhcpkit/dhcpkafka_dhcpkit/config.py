"""
The <send-to-kafka> configuration section: the keys of dhcpkit-kafka plus spool-socket.
"""
import logging

from dhcpkit.ipv6.server.handlers import HandlerFactory

from dhcpkafka_dhcpkit.frame import server_name_bytes
from dhcpkafka_dhcpkit.handler import DHCPKafkaHandler

logger = logging.getLogger(__name__)

DEFAULT_SPOOL_SOCKET = '/run/dhcpkafka/ingest.sock'
_SUN_PATH_MAX = 107  # sockaddr_un.sun_path is 108 bytes including the terminating NUL on Linux


def server_name(value: str) -> str:
    """ZConfig datatype: a server name that fits the frame (255 bytes of UTF-8)."""
    server_name_bytes(value)
    return value


def spool_socket(value: str) -> str:
    """ZConfig datatype: an absolute path that fits a Unix socket address."""
    if not value.startswith('/'):
        raise ValueError("spool-socket must be an absolute path, got {!r}".format(value))
    if len(value.encode('utf-8')) > _SUN_PATH_MAX:
        raise ValueError("spool-socket {!r} is longer than the {} bytes a Unix socket path may have".format(
            value, _SUN_PATH_MAX))
    return value


LEGACY_KEYS = (('broker', 'brokers', '--broker'), ('topic', 'topic', '--topic'),
               ('source-address', 'source_address', '--source-address'))


class DHCPKafkaHandlerFactory(HandlerFactory):
    """Creates the handler; warns about the keys that now belong to the daemon."""

    def create(self) -> DHCPKafkaHandler:
        ignored = [(key, option) for key, attribute, option in LEGACY_KEYS if getattr(self, attribute)]
        if ignored:
            # Runs in the main process once per (re)load of the configuration.
            logger.warning(
                "<send-to-kafka>: %s ignored: the dhcpkafka daemon connects to Kafka now; set %s on "
                "`dhcpkafka run` instead", ", ".join(key for key, _ in ignored),
                ", ".join(option for _, option in ignored))
        return DHCPKafkaHandler(spool_socket=self.spool_socket, server_name=self.server_name)
