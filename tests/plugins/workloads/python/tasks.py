"""Fixtures of the python workload's tests: a CPU-bound function, waits in both forms, and
functions that fail in each way a task can fail. The HTTP GETs of the runner's own server are
not here: python_models_test runs the seed example's (examples/plans/seeds-python/seeds.py)."""
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
