#!/usr/bin/env python3
"""A writer for the daemon tests that attaches file descriptors to frames, or lingers after sending.

Usage: fd_writer.py SOCKET FRAMES_HEX COUNT FDS_PER_FRAME LINGER_SECONDS
Sends COUNT valid frames (cycling through the type-1 frames of FRAMES_HEX) with blocking sends, each
with FDS_PER_FRAME copies of a /dev/null descriptor passed as SCM_RIGHTS (0: none). Prints one JSON
object {"sent": COUNT}, then stays alive LINGER_SECONDS (so the daemon can still read its
/proc/PID/status, as it does for a long-running DHCP server), or until killed.
"""
import json
import os
import socket
import sys
import time

from hostile_writer import frames_from


def main():
    path, frames_hex, count, fds_per_frame, linger = sys.argv[1:6]
    frames = frames_from(frames_hex)
    null = os.open("/dev/null", os.O_RDONLY)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.connect(path)
    sent = 0
    for index in range(int(count)):
        frame = frames[index % len(frames)]
        if int(fds_per_frame) > 0:
            socket.send_fds(sock, [frame], [null] * int(fds_per_frame))
        else:
            sock.send(frame)
        sent += 1
    print(json.dumps({"sent": sent}), flush=True)
    time.sleep(float(linger))


main()
