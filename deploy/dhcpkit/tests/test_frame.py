"""Our frames are byte-identical to dhcpkit-kafka's DHCPKafkaMessage.save() (the oracle)."""
import random
import time
import unittest

import support
from dhcpkit_kafka.messages import DHCPKafkaMessage

from dhcpkafka_dhcpkit.frame import FrameTooLarge, encode_frame, server_name_bytes
from dhcpkafka_dhcpkit.handler import DHCPKafkaHandler

NAMES = ['dhcp01.example.com', '', 'ß-server-ünïcode-日本', '\U0001f600' * 63 + 'abc', 'x' * 255]


def oracle(name, ts_in, message_in, ts_out, message_out):
    return bytes(DHCPKafkaMessage(server_name=name, timestamp_in=ts_in, message_in=message_in,
                                  timestamp_out=ts_out, message_out=message_out).save())


def ours(name, ts_in, message_in, ts_out, message_out):
    return encode_frame(server_name_bytes(name), ts_in, message_in.save() if message_in else b'',
                        ts_out, message_out.save() if message_out else b'')


class CapturingSender:
    def __init__(self):
        self.frames = []

    def send(self, frame):
        self.frames.append(frame)
        return True


class FrameEqualityTests(unittest.TestCase):
    def test_many_messages_direct_relayed_and_without_reply(self):
        rng = random.Random(20240601)
        for index in range(600):
            name = NAMES[index % len(NAMES)]
            message = support.request(rng)
            reply = support.reply_to(message, rng)
            hops = index % 3
            message_in = support.relayed(message, hops, rng)
            message_out = None if index % 5 == 0 else reply
            ts_in = rng.uniform(0, 2e9)
            ts_out = ts_in + rng.random() / 100
            with self.subTest(index=index):
                self.assertEqual(ours(name, ts_in, message_in, ts_out, message_out),
                                 oracle(name, ts_in, message_in, ts_out, message_out))

    def test_absent_messages_and_integer_timestamps(self):
        for name in NAMES:
            self.assertEqual(ours(name, 0, None, 1700000000, None), oracle(name, 0, None, 1700000000, None))

    def test_limits(self):
        with self.assertRaises(ValueError):
            server_name_bytes('é' * 128)  # 256 bytes of UTF-8
        with self.assertRaises(FrameTooLarge):
            encode_frame(b'x', 0.0, b'\x01' * 65536, 0.0, b'')

    def test_handler_frames_match_oracle_for_bundles(self):
        """The handler's whole path: the worker's internal relay wrapper in, the relay-wrapped reply out."""
        rng = random.Random(7)
        handler = DHCPKafkaHandler(spool_socket='/nonexistent', server_name='dhcp-ünï')
        handler.sender = CapturingSender()
        handler.next_report = float('inf')
        for index in range(50):
            bundle = support.bundle_for(support.relayed(support.request(rng), index % 3, rng))
            before = time.time()
            handler.analyse_pre(bundle)
            if index % 4:
                bundle.response = support.reply_to(bundle.request, rng)
            handler.analyse_post(bundle)
            frame = handler.sender.frames[-1]
            decoded = DHCPKafkaMessage()
            decoded.load_from(frame)
            self.assertLessEqual(before, decoded.timestamp_in)
            self.assertLessEqual(decoded.timestamp_in, decoded.timestamp_out)
            self.assertLessEqual(decoded.timestamp_out, time.time())
            self.assertEqual(frame, oracle('dhcp-ünï', decoded.timestamp_in, bundle.incoming_message,
                                           decoded.timestamp_out, bundle.outgoing_message))
            self.assertEqual(decoded.message_out is None, index % 4 == 0)


if __name__ == '__main__':
    unittest.main()
