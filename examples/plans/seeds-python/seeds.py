"""The seed notes' own Python functions, as parlab's python workload runs them.

Each function is the seed's, minus its print() of pid and thread name (a print per task would
time the terminal). Every function has a cheap check (arg, result) -> bool against a table that
is built once at import, outside the timed region, so a wrong answer fails the task.

The same functions run under CPython's own executors in bench/python_executors.py.
"""
import math
import socket
import time

import parlab

# --- reference tables (import time: untimed) -----------------------------------------------

_LIMIT = 16_000  # get_prime_numbers runs for 1000..15999


def _sieve(limit):
    flags = bytearray([1]) * (limit + 1)
    flags[0:2] = b"\x00\x00"
    for k in range(2, math.isqrt(limit) + 1):
        if flags[k]:
            flags[k * k :: k] = bytearray(len(range(k * k, limit + 1, k)))
    return flags


_IS_PRIME = _sieve(_LIMIT)
_PI = [0] * (_LIMIT + 1)
for _n in range(1, _LIMIT + 1):
    _PI[_n] = _PI[_n - 1] + _IS_PRIME[_n]

# n! mod a prime for the factorial loop's arguments (111116..111119): one pass at import.
_P = 1_000_000_007
_FACT_MOD = {}
_f = 1
for _i in range(1, 111_120):
    _f = _f * _i % _P
    if _i >= 111_116:
        _FACT_MOD[_i] = _f


# --- seed 004: CPU-bound sieve (tasks.py get_prime_numbers) --------------------------------


def get_prime_numbers(num):
    numbers = []
    prime = [True for i in range(num + 1)]
    p = 2

    while p * p <= num:
        if prime[p]:
            for i in range(p * 2, num + 1, p):
                prime[i] = False
        p += 1

    prime[0] = False
    prime[1] = False

    for p in range(num + 1):
        if prime[p]:
            numbers.append(p)

    return numbers


def check_prime_numbers(num, result):
    return len(result) == _PI[num] and (not result or result[-1] <= num)


# --- seed 000: the factorial loop (merge_names), 111116..111119 ----------------------------


def merge_names(n):
    fact = 1
    for i in range(1, n + 1):
        fact = fact * i
    # The seed returns n; the residue lets the check see that the loop really ran.
    return fact % _P


def check_merge_names(n, result):
    return result == _FACT_MOD[n]


async def merge_names_4(n):
    """The seed's asyncio variant: yields to the loop after every multiplication."""
    fact = 1
    for i in range(1, n + 1):
        fact = fact * i
        await parlab.sleep(0)
    return fact % _P


# --- seed 001: is_prime_number over 1..10000 (trial division) ------------------------------


def is_prime_number(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for d in range(3, math.isqrt(n) + 1, 2):
        if n % d == 0:
            return False
    return True


def check_is_prime_number(n, result):
    return result == bool(_IS_PRIME[n])


# --- seeds 001/003: sleeps -----------------------------------------------------------------


def sleep_for(seconds):
    """time.sleep releases the GIL: threads overlap it."""
    time.sleep(seconds)
    return seconds


async def sleep_for_async(seconds):
    """asyncio.sleep's counterpart: the model's timer wait."""
    await parlab.sleep(seconds)
    return seconds


def check_sleep(seconds, result):
    return result == seconds


# --- seeds 002/004: HTTP GET of any URL (bench/python_executors.py --http-url) -------------


def _request(host, port, path):
    return f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n".encode()


def http_get(url):
    """Blocking GET over a plain socket (socket I/O releases the GIL); returns the status."""
    host, port, path = _split(url)
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(_request(host, port, path))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


async def http_get_async(url):
    """The same GET, each wait handed to the model (parlab.writable/readable)."""
    host, port, path = _split(url)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        await parlab.writable(s, 10.0)
        s.sendall(_request(host, port, path))
        data = b""
        while True:
            await parlab.readable(s, 10.0)
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    return int(data.split(b" ", 2)[1])


def check_http_ok(url, status):
    return status == 200


def _split(url):
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    return host, int(port or 80), "/" + path


# --- HTTP GET /task/<i> against the runner's own server (params: "http_delay_ms": N) -------


def _split_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if status != 200:
        raise RuntimeError(f"HTTP status {status}")
    return body


def _task_request(i):
    host_port = parlab.http_url.split("://", 1)[1]
    return f"GET /task/{i} HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n\r\n".encode()


def _address():
    host, _, port = parlab.http_url.split("://", 1)[1].partition(":")
    return host, int(port)


def http_get_task(i):
    """Blocking GET /task/i (socket waits release the GIL); returns the body."""
    with socket.create_connection(_address(), timeout=30) as s:
        s.sendall(_task_request(i))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return _split_response(data)


async def http_get_task_async(i):
    """The same GET with every wait handed to the model (parlab.writable/readable)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        try:
            s.connect(_address())
        except BlockingIOError:
            pass
        await parlab.writable(s, 30.0)
        s.sendall(_task_request(i))
        data = b""
        while True:
            await parlab.readable(s, 30.0)
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    return _split_response(data)


def check_http_task(i, body):
    """The server's body for /task/i: "/task/i;" repeated, cut to 64 bytes."""
    return body == (f"/task/{i};" * 64)[:64].encode()
