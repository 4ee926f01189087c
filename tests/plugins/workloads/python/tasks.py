"""Fixtures of the python workload's tests: a CPU-bound function, waits in both forms, and
functions that fail in each way a task can fail."""
import os
import socket
import time

import parlab


def count_primes(n):
    """CPU-bound: the primes <= n with a sieve (holds the GIL throughout)."""
    sieve = bytearray([1]) * (n + 1)
    sieve[0:2] = b"\x00\x00"
    for k in range(2, int(n**0.5) + 1):
        if sieve[k]:
            sieve[k * k :: k] = bytearray(len(range(k * k, n + 1, k)))
    return sum(sieve)


def check_primes(n, result):
    """Trial division, independent of the sieve."""
    return result == sum(1 for k in range(2, n + 1) if all(k % d for d in range(2, int(k**0.5) + 1)))


def sleep_ms(ms):
    """Blocking wait: time.sleep releases the GIL."""
    time.sleep(ms / 1000)
    return ms


def check_same(arg, result):
    return arg == result


async def async_sleep_ms(ms):
    """A coroutine: the model's timer wait."""
    await parlab.sleep(ms / 1000)
    await parlab.sleep(0)
    return ms


async def async_socket(n):
    """A coroutine with fd waits: writable, then readable, on a socket pair."""
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    try:
        await parlab.writable(a)
        a.send(str(n).encode())
        await parlab.readable(b.fileno())
        return int(b.recv(64).decode())
    finally:
        a.close()
        b.close()


def boom(n):
    raise ValueError(f"boom {n}")


def off_by_one(n):
    return n + 1


async def awaits_asyncio(n):
    import asyncio

    await asyncio.sleep(0)


def check_one_arg(result):
    return True


def two_args(a, b):
    return a + b


def echo(value):
    return value


def pid(_):
    return os.getpid()


def check_differs(arg, result):
    return arg != result


def echo_subprocess(n):
    """A fork from Python code (subprocess): CPython's own fork handling, not parlab's hooks."""
    import subprocess

    return int(subprocess.run(["/bin/echo", str(n)], capture_output=True, check=True).stdout)


def os_fork(n):
    """os.fork() in a task: the child exits at once, the parent reaps it."""
    pid = os.fork()
    if pid == 0:
        os._exit(n % 7)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == n % 7 and n


def check_echo(n, result):
    return result == n


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
