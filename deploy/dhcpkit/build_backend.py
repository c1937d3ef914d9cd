"""
A minimal PEP 517 build backend: packs dhcpkafka_dhcpkit/ into a pure-Python wheel, with nothing to
download. (Only build_wheel; pip needs no more to install from a directory.)
"""
import base64
import hashlib
import os
import time
import zipfile

NAME = 'dhcpkafka_dhcpkit'
DISTRIBUTION = 'dhcpkafka-dhcpkit'
VERSION = '1.0.0'
PACKAGE_FILES = ('.py', '.xml')
HERE = os.path.dirname(os.path.abspath(__file__))

METADATA = """Metadata-Version: 2.1
Name: {name}
Version: {version}
Summary: DHCPKit server extension handing every DHCPv6 transaction to the local dhcpkafka daemon (drop-in for dhcpkit-kafka)
License: GPL-3.0
Requires-Python: >=3.6
Requires-Dist: dhcpkit (>=1.0.7,<1.1)
""".format(name=DISTRIBUTION, version=VERSION)

# A name of our own: dhcpkit-kafka registers "kafka", and dhcpkit keeps only the first of two entry
# points with the same name (which one depends on directory order). compat.py shadows dhcpkit-kafka.
ENTRY_POINTS = """[dhcpkit.ipv6.server.extensions]
dhcpkafka = dhcpkafka_dhcpkit
"""

WHEEL = """Wheel-Version: 1.0
Generator: dhcpkafka-dhcpkit build_backend
Root-Is-Purelib: true
Tag: py3-none-any
"""


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode('ascii')
    return '{},sha256={},{}\n'.format(path, digest, len(data))


def _package_files():
    root = os.path.join(HERE, NAME)
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d != '__pycache__')
        for file in sorted(files):
            if file.endswith(PACKAGE_FILES):
                full = os.path.join(directory, file)
                yield os.path.relpath(full, HERE).replace(os.sep, '/'), full


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = '{}-{}-py3-none-any.whl'.format(NAME, VERSION)
    dist_info = '{}-{}.dist-info'.format(NAME, VERSION)
    record = ''
    # Reproducible: every entry carries SOURCE_DATE_EPOCH's time when it is set (deploy/debian/build-debs
    # sets it to the commit's), instead of the time of the build.
    stamp = time.gmtime(max(int(os.environ.get('SOURCE_DATE_EPOCH', time.time())), 315532800))[:6]
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), 'w', zipfile.ZIP_DEFLATED) as wheel:
        def add(path, data):
            nonlocal record
            entry = zipfile.ZipInfo(path, date_time=stamp)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
            record += _record_line(path, data)

        for path, full in _package_files():
            with open(full, 'rb') as source:
                add(path, source.read())
        add(dist_info + '/METADATA', METADATA.encode('utf-8'))
        add(dist_info + '/entry_points.txt', ENTRY_POINTS.encode('utf-8'))
        add(dist_info + '/WHEEL', WHEEL.encode('utf-8'))
        record += dist_info + '/RECORD,,\n'
        entry = zipfile.ZipInfo(dist_info + '/RECORD', date_time=stamp)
        entry.external_attr = 0o644 << 16
        entry.compress_type = zipfile.ZIP_DEFLATED
        wheel.writestr(entry, record)
    return filename
