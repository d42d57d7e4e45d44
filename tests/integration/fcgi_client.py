"""A minimal FastCGI client (responder role) for talking to the worker
directly over a socket, without nginx: one request per connection."""
import socket
import struct

FCGI_VERSION = 1
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1


def _record(rtype, request_id, content=b""):
    out = b""
    # Records carry at most 65535 bytes; split longer content.
    for i in range(0, max(len(content), 1), 65535):
        chunk = content[i:i + 65535]
        out += struct.pack("!BBHHBB", FCGI_VERSION, rtype, request_id, len(chunk), 0, 0) + chunk
        if not content:
            break
    return out


def _name_value(name, value):
    def length(n):
        return struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
    n, v = name.encode(), value.encode()
    return length(len(n)) + length(len(v)) + n + v


def connect(address):
    if isinstance(address, str):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(address)
    return s


def send_request(sock, method="GET", uri="/buckets", headers=None):
    path, _, query = uri.partition("?")
    params = {
        "REQUEST_METHOD": method, "REQUEST_URI": uri, "DOCUMENT_URI": path, "SCRIPT_NAME": path,
        "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1",
        "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
    }
    for k, v in (headers or {}).items():
        params["HTTP_" + k.upper().replace("-", "_")] = v
    body = b"".join(_name_value(k, v) for k, v in params.items())
    sock.sendall(_record(BEGIN_REQUEST, 1, struct.pack("!HB5x", RESPONDER, 0)) + _record(PARAMS, 1, body) +
                 _record(PARAMS, 1) + _record(STDIN, 1))


def read_response(sock, timeout=30):
    """Returns (status, headers dict lower-case, body bytes)."""
    sock.settimeout(timeout)
    buf = bytearray()
    pos = 0
    out = bytearray()

    def need(n):
        while len(buf) - pos < n:
            chunk = sock.recv(262144)
            if not chunk:
                raise ConnectionError("worker closed the connection before END_REQUEST")
            buf.extend(chunk)

    while True:
        need(8)
        _, rtype, _, clen, plen, _ = struct.unpack("!BBHHBB", bytes(buf[pos:pos + 8]))
        need(8 + clen + plen)
        content = bytes(buf[pos + 8:pos + 8 + clen])
        pos += 8 + clen + plen
        if rtype == STDOUT:
            out.extend(content)
        elif rtype == END_REQUEST:
            break
    head, _, body = bytes(out).partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, body


def request(address, method="GET", uri="/buckets", headers=None, timeout=30):
    s = connect(address)
    try:
        send_request(s, method, uri, headers)
        return read_response(s, timeout)
    finally:
        s.close()
