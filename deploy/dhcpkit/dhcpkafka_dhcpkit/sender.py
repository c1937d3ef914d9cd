"""
Non-blocking hand-off of frames to the dhcpkafka daemon's Unix datagram socket.

A DHCP worker must never wait for the daemon: every send uses MSG_DONTWAIT on a non-blocking socket,
and whatever cannot be handed over right now is dropped and counted, never retried or queued.
"""
import errno
import logging
import os
import socket
import time

logger = logging.getLogger(__name__)

RECONNECT_INTERVAL = 0.1
"""Seconds between connection attempts while the daemon is down, so a dead daemon costs one
failed connect() per 100 ms instead of one per transaction."""

# Drop reasons, as they appear in the counters and log lines.
QUEUE_FULL = 'queue_full'     # EAGAIN: the daemon's socket queue is full (daemon stalled or overloaded)
DAEMON_DOWN = 'daemon_down'   # no socket, or nobody bound to it
PERMISSION_DENIED = 'permission_denied'  # EACCES/EPERM: this worker may not reach the socket
TOO_LARGE = 'too_large'       # frame exceeds the frame format or the socket's datagram limit
ENCODE_ERROR = 'encode_error' # the transaction could not be encoded
SEND_ERROR = 'send_error'     # any other OSError from send()
DROP_REASONS = (QUEUE_FULL, DAEMON_DOWN, PERMISSION_DENIED, TOO_LARGE, ENCODE_ERROR, SEND_ERROR)

_DOWN_ERRNOS = {errno.ECONNREFUSED, errno.ENOENT, errno.ENOTCONN, errno.ECONNRESET, errno.EPIPE, errno.ENOTDIR}
_PERMISSION_ERRNOS = {errno.EACCES, errno.EPERM}


def _reason(error: OSError) -> str:
    """The drop reason for a failed connect() or send()."""
    if error.errno in _PERMISSION_ERRNOS:
        return PERMISSION_DENIED
    return DAEMON_DOWN if error.errno in _DOWN_ERRNOS else SEND_ERROR


class FrameSender:
    """
    One connected SOCK_DGRAM socket per worker process, plus sent/dropped counters.

    Not thread-safe: DHCPKit workers are single-threaded processes.
    """

    def __init__(self, path: str, clock=time.monotonic):
        self.path = path
        self.clock = clock
        self.sock = None
        self.next_connect = 0.0
        self.sent = 0
        self.dropped = dict.fromkeys(DROP_REASONS, 0)
        self.down_since_logged = False
        self.down_reason = DAEMON_DOWN  # why the last connect failed: drops until the next attempt count as that

    def counters(self) -> dict:
        """Sent and dropped-by-reason counts of this process, for logs and tests."""
        result = {'sent': self.sent}
        result.update(('dropped_' + reason, count) for reason, count in self.dropped.items())
        return result

    def drop(self, reason: str):
        self.dropped[reason] += 1

    def send(self, frame: bytes) -> bool:
        """Hands `frame` to the daemon if that is possible right now; returns whether it was."""
        sock = self.sock
        if sock is None:
            sock = self._connect()
            if sock is None:
                self.dropped[self.down_reason] += 1
                return False
        try:
            sock.send(frame, socket.MSG_DONTWAIT)
        except BlockingIOError:
            self.dropped[QUEUE_FULL] += 1
            return False
        except OSError as e:
            if e.errno == errno.EMSGSIZE:
                self.dropped[TOO_LARGE] += 1
                return False
            # The daemon went away (or was restarted and now listens on a new socket under the same
            # path): forget this socket and reconnect on a later send, no sooner than RECONNECT_INTERVAL.
            self._close()
            self.next_connect = self.clock() + RECONNECT_INTERVAL
            self.dropped[_reason(e)] += 1
            self._log_down(e)
            return False
        self.sent += 1
        return True

    def close(self):
        self._close()

    def _connect(self):
        now = self.clock()
        if now < self.next_connect:
            return None
        self.next_connect = now + RECONNECT_INTERVAL
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        sock.setblocking(False)
        try:
            sock.connect(self.path)
        except OSError as e:
            sock.close()
            self.down_reason = _reason(e)
            self._log_down(e)
            return None
        self.sock = sock
        self.down_reason = DAEMON_DOWN
        if self.down_since_logged:
            logger.info("dhcpkafka daemon socket %s reachable again", self.path)
            self.down_since_logged = False
        self.down_reason = DAEMON_DOWN  # why the last connect failed: drops until the next attempt count as that
        return sock

    def _close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _log_down(self, error: OSError):
        # One line per outage, not one per transaction.
        if self.down_since_logged:
            return
        self.down_since_logged = True
        hint = ''
        if error.errno in _PERMISSION_ERRNOS:
            logger.warning(
                "dhcpkafka daemon socket %s: permission denied for uid %d gid %d: %s; dropping frames, counted as "
                "permission_denied (workers run as the configured user/group with umask 077: the socket needs "
                "write permission for them, e.g. through the daemon's --socket-group, and every directory on "
                "its path search permission; waiting will not help)",
                self.path, os.geteuid(), os.getegid(), error.strerror or error)
            return
        logger.warning("dhcpkafka daemon socket %s unreachable: %s%s; dropping frames until it is back",
                       self.path, error.strerror or error, hint)
