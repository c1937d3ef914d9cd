"""
DHCPKit server extension that hands every DHCPv6 transaction to the local dhcpkafka daemon.

DHCPKit imports this package (entry point ``dhcpkit.ipv6.server.extensions``) while importing its
configuration parser, before the worker pool exists: the compatibility patches go in here.
"""
from dhcpkafka_dhcpkit.compat import patch_nonblocking_pool, shadow_dhcpkit_kafka

__version__ = '1.0.0'

patch_nonblocking_pool()
shadow_dhcpkit_kafka()
