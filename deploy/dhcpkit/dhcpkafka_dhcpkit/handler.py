"""
The DHCPKit handler: one frame per transaction, handed to the dhcpkafka daemon without ever blocking.
"""
import logging
import socket
import time
from multiprocessing import current_process
from multiprocessing.util import Finalize

from dhcpkit.ipv6.server.handlers import Handler
from dhcpkit.ipv6.server.transaction_bundle import TransactionBundle

from dhcpkafka_dhcpkit.frame import FrameTooLarge, encode_frame, server_name_bytes
from dhcpkafka_dhcpkit.sender import ENCODE_ERROR, TOO_LARGE, FrameSender

logger = logging.getLogger(__name__)

REPORT_INTERVAL = 60.0
"""Seconds between counter log lines of a worker (only when its counters changed)."""


class DHCPKafkaHandler(Handler):
    """
    Records when a transaction arrived (analyse_pre) and sends the received message, as received
    including relay wrappers, and the reply, or none, when it is done (analyse_post), exactly as
    dhcpkit-kafka's KafkaHandler did, but to the local daemon instead of a Kafka producer.

    Built in DHCPKit's main process and pickled into each worker, so the socket is opened in
    worker_init() and every worker has its own socket and counters.
    """

    def __init__(self, spool_socket: str, server_name: str = None):
        super().__init__()
        self.spool_socket = spool_socket
        self.server_name = server_name or socket.getfqdn()
        self.encoded_server_name = server_name_bytes(self.server_name)
        self.sender = None
        self.next_report = 0.0
        self.reported = None

    def __str__(self):
        return "{} to {} as {!r}".format(self.__class__.__name__, self.spool_socket, self.server_name)

    def __getstate__(self):
        # Workers get a copy without socket or counters (the main process never opens one anyway).
        state = self.__dict__.copy()
        state['sender'] = None
        return state

    def worker_init(self):
        self.sender = FrameSender(self.spool_socket)
        self.next_report = time.monotonic() + REPORT_INTERVAL
        # Pool workers leave through multiprocessing's exit path, which runs finalizers but not atexit.
        # Above priority 10, the logging queue's own close finalizer: the line must be queued before it.
        Finalize(None, self.report, args=('at exit',), exitpriority=100)

    def analyse_pre(self, bundle: TransactionBundle):
        bundle.handler_data[self] = time.time()

    def analyse_post(self, bundle: TransactionBundle):
        timestamp_out = time.time()
        sender = self.sender
        if sender is None:
            # Used outside a worker (worker_init not run): nothing to send to.
            return
        try:
            outgoing = bundle.outgoing_message
            frame = encode_frame(self.encoded_server_name, bundle.handler_data.get(self, timestamp_out),
                                 bundle.incoming_message.save(), timestamp_out,
                                 outgoing.save() if outgoing is not None else b'')
        except FrameTooLarge:
            sender.drop(TOO_LARGE)
            frame = None
        except Exception as e:
            # A handler left something unencodable in the bundle: count it, never fail the reply.
            if not sender.dropped[ENCODE_ERROR]:
                logger.warning("dhcpkafka: cannot encode transaction: %s", e)
            sender.drop(ENCODE_ERROR)
            frame = None
        if frame is not None:
            sender.send(frame)
        if time.monotonic() >= self.next_report:
            self.next_report = time.monotonic() + REPORT_INTERVAL
            self.report('periodic')

    def report(self, when: str):
        """Logs this worker's counters (if they changed since the last line)."""
        if self.sender is None:
            return
        counters = self.sender.counters()
        if counters == self.reported:
            return
        self.reported = counters
        logger.info("dhcpkafka %s counters (%s): %s", current_process().name, when,
                    " ".join("{}={}".format(key, value) for key, value in counters.items()))
