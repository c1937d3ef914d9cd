"""Passes a socket to a command the way systemd does, and keeps it while the command restarts.

    socket_activate.py [--kind unix|tcp|elsewhere] [--once] SOCKET -- COMMAND...

Binds SOCKET (an AF_UNIX/SOCK_DGRAM socket; with --kind tcp a TCP socket on 127.0.0.1 instead,
with --kind elsewhere a Unix datagram socket at SOCKET.elsewhere), then starts COMMAND with the
socket as descriptor 3 and LISTEN_FDS=1, LISTEN_FDNAMES=ingest and LISTEN_PID set in the child
after the fork, as systemd's socket activation and descriptor store do. Whenever the command
exits, it is started again at once on the same socket (its queue survives), until SIGTERM (passed
on to the command) or, with --once, after the first exit. Prints `started PID` and
`exited PID STATUS` lines (STATUS: exit code, or -SIGNAL) on standard output, flushed.
"""
import os
import signal
import socket
import sys


def main():
    args = sys.argv[1:]
    kind, once = "unix", False
    while args and args[0].startswith("--") and args[0] != "--":
        if args[0] == "--kind":
            kind = args[1]
            args = args[2:]
        elif args[0] == "--once":
            once = True
            args = args[1:]
        else:
            sys.exit(f"unknown option {args[0]}")
    path = args[0]
    command = args[2:]
    if kind == "tcp":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
    else:
        where = path + ".elsewhere" if kind == "elsewhere" else path
        if os.path.exists(where):
            os.unlink(where)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(where)
        os.chmod(where, 0o666)
    stopping = False
    child = 0

    def on_term(signum, frame):
        nonlocal stopping
        stopping = True
        if child:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, on_term)
    while not stopping:
        child = os.fork()
        if child == 0:
            if sock.fileno() != 3:
                os.dup2(sock.fileno(), 3)
            os.set_inheritable(3, True)  # also when the socket was descriptor 3 already
            env = dict(os.environ)
            env.update(LISTEN_FDS="1", LISTEN_FDNAMES="ingest", LISTEN_PID=str(os.getpid()))
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, ())
            os.execve(command[0], command, env)
        print(f"started {child}", flush=True)
        while True:
            try:
                _, status = os.waitpid(child, 0)
                break
            except InterruptedError:
                continue
        code = os.waitstatus_to_exitcode(status)
        print(f"exited {child} {code}", flush=True)
        child = 0
        if once:
            sys.exit(0)
    if kind != "tcp" and os.path.exists(path):
        os.unlink(path)


if __name__ == "__main__":
    main()
