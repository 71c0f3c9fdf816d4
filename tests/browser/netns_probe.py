"""Run a command in a network namespace that can see every packet it tries to send.

    unshare -n -m --propagation private python netns_probe.py LOG.json SITE_DIR -- CMD ARGS...

Inside the new namespace only loopback exists, but every IPv4 and IPv6 address is routed to it
("AnyIP"), so a connection to any host lands on this script's listeners instead of failing
unseen. /etc/resolv.conf is bind-mounted (in the private mount namespace) to point at this
script's DNS server, which logs every query and answers 127.0.0.1. TCP listeners on 80, 443
and 853 log each connection with the host it names (HTTP Host header, TLS SNI), a UDP listener
on 443 logs QUIC. SITE_DIR is served on 127.0.0.1 (the only thing the command may reach); the
command's arguments may say {site} for its base URL. The log is written as JSON:
{"dns": [names], "connections": [{"port", "proto", "host"}], "exit": N, "stdout", "stderr"}.

Used by tests/browser/test_network_isolation.py; bounded: every listener stops with the command.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.browser.server import SiteServer  # noqa: E402

LOG: dict[str, list[Any]] = {"dns": [], "connections": []}
LOCK = threading.Lock()


def _note(kind: str, value: Any) -> None:
    with LOCK:
        LOG[kind].append(value)


def _run(*command: str) -> None:
    subprocess.run(command, check=False, capture_output=True)


def isolate() -> None:
    _run("ip", "link", "set", "lo", "up")
    _run("ip", "route", "add", "local", "0.0.0.0/0", "dev", "lo")
    _run("ip", "-6", "route", "add", "local", "::/0", "dev", "lo")
    resolv = Path(tempfile.mkdtemp()) / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)


def _qname(packet: bytes) -> str:
    labels, at = [], 12
    while at < len(packet) and packet[at]:
        length = packet[at]
        labels.append(packet[at + 1 : at + 1 + length].decode("ascii", "replace"))
        at += 1 + length
    return ".".join(labels)


def _dns_answer(query: bytes) -> bytes:
    """127.0.0.1 for an A question, no records otherwise."""
    end = 12
    while end < len(query) and query[end]:
        end += 1 + query[end]
    question = query[12 : end + 5]
    qtype = struct.unpack(">H", query[end + 1 : end + 3])[0] if end + 3 <= len(query) else 0
    header = (
        query[:2] + b"\x81\x80" + query[4:6] + struct.pack(">HHH", 1 if qtype == 1 else 0, 0, 0)
    )
    answer = (
        b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01" if qtype == 1 else b""
    )
    return header + question + answer


def serve_dns_udp(sock: socket.socket) -> None:
    while True:
        try:
            query, peer = sock.recvfrom(4096)
        except OSError:
            return
        _note("dns", _qname(query))
        with contextlib.suppress(OSError):
            sock.sendto(_dns_answer(query), peer)


def _sni(hello: bytes) -> str | None:
    """The server name in a TLS ClientHello, if any."""
    try:
        at = 5 + 4 + 2 + 32  # record header, handshake header, version, random
        at += 1 + hello[at]  # session id
        at += 2 + struct.unpack(">H", hello[at : at + 2])[0]  # cipher suites
        at += 1 + hello[at]  # compression methods
        end = at + 2 + struct.unpack(">H", hello[at : at + 2])[0]
        at += 2
        while at + 4 <= end:
            kind, length = struct.unpack(">HH", hello[at : at + 4])
            if kind == 0:  # server_name
                name_length = struct.unpack(">H", hello[at + 7 : at + 9])[0]
                return hello[at + 9 : at + 9 + name_length].decode("ascii", "replace")
            at += 4 + length
    except (IndexError, struct.error):
        return None
    return None


def _host_header(request: bytes) -> str | None:
    for line in request.split(b"\r\n")[1:]:
        if line.lower().startswith(b"host:"):
            return line[5:].strip().decode("ascii", "replace")
    return None


def serve_tcp(sock: socket.socket, port: int) -> None:
    while True:
        try:
            conn, _peer = sock.accept()
        except OSError:
            return
        conn.settimeout(2)
        data = b""
        with contextlib.suppress(OSError):
            data = conn.recv(4096)
        host = _sni(data) if port in (443, 853) else _host_header(data)
        _note("connections", {"port": port, "proto": "tcp", "host": host})
        conn.close()


def serve_udp(sock: socket.socket, port: int) -> None:
    while True:
        try:
            sock.recvfrom(4096)
        except OSError:
            return
        _note("connections", {"port": port, "proto": "udp", "host": None})


def listen() -> list[socket.socket]:
    sockets = []
    udp53 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp53.bind(("0.0.0.0", 53))
    threading.Thread(target=serve_dns_udp, args=(udp53,), daemon=True).start()
    sockets.append(udp53)
    for port in (53, 80, 443, 853):
        for family, address in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((address, port))
            sock.listen(64)
            threading.Thread(target=serve_tcp, args=(sock, port), daemon=True).start()
            sockets.append(sock)
    quic = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    quic.bind(("0.0.0.0", 443))
    threading.Thread(target=serve_udp, args=(quic, 443), daemon=True).start()
    sockets.append(quic)
    return sockets


def main() -> int:
    log_path, site_dir, separator, *command = sys.argv[1:]
    assert separator == "--", "usage: netns_probe.py LOG.json SITE_DIR -- CMD ARGS..."
    isolate()
    sockets = listen()
    with SiteServer(Path(site_dir)) as site:
        args = [part.replace("{site}", site.base_url) for part in command]
        done = subprocess.run(args, capture_output=True, text=True, timeout=240, check=False)
    for sock in sockets:
        sock.close()
    with LOCK:
        result = {**LOG, "exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    Path(log_path).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
