"""A minimal FastCGI client (responder role) for talking to the worker's
socket directly, without nginx: enough to check the worker's own 404/405.

    status, headers, body = fcgi_get("/path/fcgi.sock", "/nope", method="GET")
"""
import socket
import struct

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR = 1, 3, 4, 5, 6, 7


def _record(rtype, content, req_id=1):
    out = b""
    for i in range(0, max(len(content), 1), 65535):
        chunk = content[i:i + 65535]
        pad = (8 - len(chunk) % 8) % 8
        out += struct.pack(">BBHHBB", 1, rtype, req_id, len(chunk), pad, 0) + chunk + b"\0" * pad
        if not content:
            break
    return out


def _pair(name, value):
    def ln(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    n, v = name.encode(), value.encode()
    return ln(len(n)) + ln(len(v)) + n + v


def fcgi_request(address, params, stdin=b"", timeout=30):
    """Sends one request; returns (status, {lower-case header: value}, body bytes, stderr bytes)."""
    if isinstance(address, str):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(address)
        msg = _record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", 1, 0))
        msg += _record(FCGI_PARAMS, b"".join(_pair(k, v) for k, v in params.items()))
        msg += _record(FCGI_PARAMS, b"")
        if stdin:
            msg += _record(FCGI_STDIN, stdin)
        msg += _record(FCGI_STDIN, b"")
        s.sendall(msg)
        buf = b""
        out, err = b"", b""
        done = False
        while not done:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 8:
                _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
                if len(buf) < 8 + clen + plen:
                    break
                content = buf[8:8 + clen]
                buf = buf[8 + clen + plen:]
                if rtype == FCGI_STDOUT:
                    out += content
                elif rtype == FCGI_STDERR:
                    err += content
                elif rtype == FCGI_END_REQUEST:
                    done = True
                    break
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    if not _:
        head, _, body = out.partition(b"\n\n")
    headers = {}
    for line in head.decode("latin-1").splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, body, err


def fcgi_get(address, uri, method="GET", accept=None, extra=None):
    path, _, query = uri.partition("?")
    params = {
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "fcgi_client.py", "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_METHOD": method, "REQUEST_URI": uri, "DOCUMENT_URI": path, "SCRIPT_NAME": path,
        "QUERY_STRING": query, "CONTENT_TYPE": "", "CONTENT_LENGTH": "", "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000", "SERVER_ADDR": "127.0.0.1", "SERVER_PORT": "80", "SERVER_NAME": "localhost",
        "REQUEST_SCHEME": "http", "HTTP_HOST": "localhost",
    }
    if accept:
        params["HTTP_ACCEPT"] = accept
    params.update(extra or {})
    return fcgi_request(address, params)
