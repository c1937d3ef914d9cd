"""The <send-to-kafka> section as DHCPKit parses it, and the import-time compatibility patches."""
import os
import socket
import sys
import tempfile
import unittest
from multiprocessing.pool import ThreadPool  # noqa: F401  (multiprocessing.pool loaded before the patch test)

import support  # noqa: F401

import dhcpkafka_dhcpkit  # noqa: F401  (applies the patches)
from dhcpkit.ipv6.server import config_parser
from dhcpkit.ipv6.server.nonblocking_pool import NonBlockingPool
from ZConfig import ConfigurationError

from dhcpkafka_dhcpkit.config import DEFAULT_SPOOL_SOCKET
from dhcpkafka_dhcpkit.handler import DHCPKafkaHandler

try:
    import dhcpkit_kafka  # noqa: F401
    HAVE_DHCPKIT_KAFKA = True
except ImportError:
    HAVE_DHCPKIT_KAFKA = False


def square(value):
    return value * value


class ConfigTests(unittest.TestCase):
    def setUp(self):
        from dhcpkit.ipv6.server.extension_registry import server_extension_registry
        self.assertIn('dhcpkafka', server_extension_registry,
                      "dhcpkafka-dhcpkit is not installed in {}: DHCPKit finds extensions through their "
                      "entry points (`pip install ./deploy/dhcpkit`, done by .ci/bootstrap)".format(sys.prefix))

    def load(self, section):
        with tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False) as file:
            file.write("user nobody\ngroup nogroup\n<send-to-kafka>\n{}\n</send-to-kafka>\n".format(section))
        self.addCleanup(os.unlink, file.name)
        config = config_parser.load_config(file.name)
        handlers = [factory() for factory in config.handler_factories]
        self.assertEqual(len(handlers), 1)
        self.assertIsInstance(handlers[0], DHCPKafkaHandler)
        return handlers[0]

    def test_defaults(self):
        handler = self.load('')
        self.assertEqual(handler.spool_socket, DEFAULT_SPOOL_SOCKET)
        self.assertEqual(handler.server_name, socket.getfqdn())

    def test_spool_socket_and_server_name(self):
        handler = self.load('spool-socket /tmp/dk/ingest.sock\nserver-name dhcp-ünï.example')
        self.assertEqual(handler.spool_socket, '/tmp/dk/ingest.sock')
        self.assertEqual(handler.encoded_server_name, 'dhcp-ünï.example'.encode())

    def test_legacy_keys_are_accepted_with_one_warning_naming_the_daemon_options(self):
        with self.assertLogs('dhcpkafka_dhcpkit.config', 'WARNING') as logs:
            self.load('broker k1:9092\nbroker [2001:db8::1]:9093\ntopic dhcpkit.messages\nsource-address dhcp01')
        self.assertEqual(len(logs.output), 1)
        for text in ('broker', 'topic', 'source-address', '--broker', '--topic', '--source-address'):
            self.assertIn(text, logs.output[0])

    def test_no_warning_without_legacy_keys(self):
        with self.assertRaises(AssertionError):
            with self.assertLogs('dhcpkafka_dhcpkit.config', 'WARNING'):
                self.load('spool-socket /run/x.sock')

    def test_invalid_values_are_rejected_at_load_time(self):
        for section in ('spool-socket relative.sock', 'spool-socket /' + 'a' * 120, 'server-name ' + 'é' * 128):
            with self.subTest(section=section), self.assertRaises((ConfigurationError, ValueError)):
                self.load(section)

    def test_handler_pickles_without_socket(self):
        import pickle
        handler = self.load('spool-socket /tmp/x.sock')
        handler.worker_init()
        copy = pickle.loads(pickle.dumps(handler))
        self.assertIsNone(copy.sender)
        self.assertEqual(copy.spool_socket, '/tmp/x.sock')
        handler.sender.close()

    @unittest.skipUnless(HAVE_DHCPKIT_KAFKA, "dhcpkit-kafka not installed")
    def test_dhcpkit_kafka_installed_too_is_shadowed_with_a_warning(self):
        with self.assertLogs('dhcpkafka_dhcpkit.compat', 'WARNING') as logs:
            self.load('topic foo')
        self.assertIn('pip uninstall dhcpkit-kafka', logs.output[0])


class PoolPatchTests(unittest.TestCase):
    @unittest.skipIf(sys.version_info < (3, 8), "only Python >= 3.8 needs the fix")
    def test_patched_pool_runs_tasks_and_the_original_does_not(self):
        patched = NonBlockingPool.apply_async
        self.assertTrue(getattr(patched, 'dhcpkafka_patched', False))
        with NonBlockingPool(processes=1) as pool:
            self.assertEqual(pool.apply_async(square, (7,)).get(timeout=10), 49)
            with self.assertRaisesRegex(AttributeError, '_cache'):
                patched.dhcpkafka_original(pool, square, (7,))


if __name__ == '__main__':
    unittest.main()
