#!/usr/bin/python3.11
"""The seed experiments with CPython's own executors, side by side with parlab's python rows.

Runs the seed functions of examples/plans/seeds-python/seeds.py (the same file parlab's plans
import) with a plain for loop, multiprocessing.Pool(N).map, ProcessPoolExecutor(N).map,
ThreadPoolExecutor(N).map, one threading.Thread per task and asyncio.gather, and, with
--parlab BIN, `parlab run` of the same function under the models of --models. The executors
and parlab alternate within each repetition (in a shuffled order, seeded by the repetition), so
a slow phase of a shared machine hits every row alike. Prints one row per experiment x runner:
median, min and max wall seconds of the repetitions, and the ratio to the plain loop.

Timing: an executor's figure includes creating its pool, threads or event loop (as the seeds'
own timings do: `with Pool(...) as pool: pool.map(...)`), because parlab's run() includes
creating its units too. parlab's figure is the sample's wall_ns: the model's run() only, without
the interpreter start and the import (reported apart as python_init_ms, python_import_ms).

Run it with Debian's /usr/bin/python3.11, the interpreter parlab embeds, on a quiet machine:

    /usr/bin/python3.11 bench/python_executors.py --workers 2 --repetitions 5 \
        --parlab build/bin/parlab --experiments sieve,factorial,is_prime,sleep

`--experiments overhead` is the overhead check of docs/performance.md: parlab `sequential` on
the seed sieve (one task per n) against a plain loop over the same n in the *same* embedded
interpreter (one parlab task running bench/python_overhead_loop.py), with the loop under
/usr/bin/python3.11 as a third row.

`--experiments http10,http100` are the seeds' HTTP experiments (10 GETs answered after 100 ms,
100 GETs answered after 50 ms): the script starts a server of its own in a separate process,
answering GET /task/<i> after that delay with the body the runner's server sends, so the
executors' rows and parlab's (whose runner serves the same path with `http_delay_ms`) wait alike.
"""
import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS_DIR = os.path.join(HERE, "..", "examples", "plans", "seeds-python")


def _install_parlab_shim():
    """seeds.py awaits parlab.sleep/readable/writable; under asyncio they are asyncio's."""
    shim = types.ModuleType("parlab")

    async def _fd_wait(fd, timeout, add, remove):
        fd = fd if isinstance(fd, int) else fd.fileno()
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        add(fd, lambda: fut.done() or fut.set_result(None))
        try:
            if timeout and timeout > 0:
                await asyncio.wait_for(fut, timeout)
            else:
                await fut
        finally:
            remove(fd)

    async def readable(fd, timeout=0.0):
        loop = asyncio.get_running_loop()
        await _fd_wait(fd, timeout, loop.add_reader, loop.remove_reader)

    async def writable(fd, timeout=0.0):
        loop = asyncio.get_running_loop()
        await _fd_wait(fd, timeout, loop.add_writer, loop.remove_writer)

    shim.sleep = asyncio.sleep
    shim.readable = readable
    shim.writable = writable
    shim.http_url = None  # set by _start_http_server, read by seeds.http_get_task
    sys.modules["parlab"] = shim


_install_parlab_shim()
sys.path.insert(0, SEEDS_DIR)
import seeds  # noqa: E402  (after the shim, which it imports)

# experiment -> (blocking function, async function or None, check, args)
EXPERIMENTS = {
    "sieve": ("get_prime_numbers", None, "check_prime_numbers", list(range(1000, 16000))),
    "factorial": ("merge_names", "merge_names_4", "check_merge_names", list(range(111116, 111120))),
    "is_prime": ("is_prime_number", None, "check_is_prime_number", list(range(1, 10001))),
    "sleep": ("sleep_for", "sleep_for_async", "check_sleep", [0.1] * 100),
    "overhead": ("get_prime_numbers", None, "check_prime_numbers", list(range(1000, 16000))),
    "http10": ("http_get_task", "http_get_task_async", "check_http_task", list(range(10))),
    "http100": ("http_get_task", "http_get_task_async", "check_http_task", list(range(100))),
}
# The HTTP experiments' server delay (ms): the seeds' round trip stand-in, as in
# examples/plans/seeds-python/002-http-10.json and 004-http-100-*.json.
HTTP_DELAY_MS = {"http10": 100, "http100": 50}


def _serve_http(port_pipe, delay_ms):
    """GET /task/<i> -> 200 with the runner server's body, after delay_ms (in a child process)."""
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            time.sleep(delay_ms / 1000)
            body = (self.path + ";") * 64
            body = body[:64].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 256  # 100 connects at once must not overflow the backlog

    server = Server(("127.0.0.1", 0), Handler)
    port_pipe.send(server.server_address[1])
    server.serve_forever()


def _start_http_server(delay_ms):
    """Starts _serve_http in its own process (its threads must not share our GIL)."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve_http, args=(child, delay_ms), daemon=True)
    process.start()
    sys.modules["parlab"].http_url = f"http://127.0.0.1:{parent.recv()}"
    return process


def _verify(check, args, results):
    bad = [a for a, r in zip(args, results) if not check(a, r)]
    if bad:
        raise SystemExit(f"check failed for {len(bad)} args, e.g. {bad[0]!r}")


def run_loop(fn, args, workers):
    return [fn(a) for a in args]


def run_pool(fn, args, workers):
    with multiprocessing.Pool(workers) as pool:
        return pool.map(fn, args)


def run_process_pool_executor(fn, args, workers):
    with concurrent.futures.ProcessPoolExecutor(workers) as executor:
        return list(executor.map(fn, args))


def run_thread_pool_executor(fn, args, workers):
    with concurrent.futures.ThreadPoolExecutor(workers) as executor:
        return list(executor.map(fn, args))


def run_threads(fn, args, workers):
    """One threading.Thread per task, as the seeds start them (at most `workers` alive)."""
    results = [None] * len(args)

    def body(i):
        results[i] = fn(args[i])

    alive = []
    for i in range(len(args)):
        if len(alive) >= workers:
            alive.pop(0).join()
        t = threading.Thread(target=body, args=(i,))
        t.start()
        alive.append(t)
    for t in alive:
        t.join()
    return results


def run_gather(afn, args, workers):
    async def main():
        return await asyncio.gather(*(afn(a) for a in args))

    return asyncio.run(main())


EXECUTORS = {
    "loop": run_loop,
    "multiprocessing.Pool": run_pool,
    "ProcessPoolExecutor": run_process_pool_executor,
    "ThreadPoolExecutor": run_thread_pool_executor,
    "threading.Thread": run_threads,
    "asyncio.gather": None,  # the async function, when the experiment has one
}


def time_executor(name, experiment, workers):
    fn_name, afn_name, check_name, args = EXPERIMENTS[experiment]
    check = getattr(seeds, check_name)
    if name == "asyncio.gather":
        fn = getattr(seeds, afn_name)
        start = time.perf_counter()
        results = run_gather(fn, args, workers)
    else:
        fn = getattr(seeds, fn_name)
        start = time.perf_counter()
        results = EXECUTORS[name](fn, args, workers)
    elapsed = time.perf_counter() - start
    _verify(check, args, results)
    return elapsed


def parlab_params(experiment, model):
    """The python workload's params for one experiment under one model."""
    fn_name, afn_name, check_name, args = EXPERIMENTS[experiment]
    function = afn_name if (model.startswith("coroutines") or model == "fibers") and afn_name else fn_name
    params = {"module": "seeds.py", "function": function, "check": check_name}
    if all(type(a) is int for a in args) and args == list(range(args[0], args[0] + len(args))):
        params["range"] = [args[0], args[0] + len(args)]
    else:
        params["args"] = args
    if experiment in HTTP_DELAY_MS:
        params["http_delay_ms"] = HTTP_DELAY_MS[experiment]
    return params


def time_parlab(parlab, model, experiment, workers, plan_dir, params=None, label=None):
    """One repetition of `parlab run` under `model`; the sample's wall time (run() only)."""
    params = params or parlab_params(experiment, model)
    plan = {"name": f"bench-{experiment}", "workload": {"kind": "python", "params": params},
            "models": [model], "concurrency": [1 if model == "sequential" else workers],
            "warmup": 0, "repetitions": 1}
    path = os.path.join(plan_dir, f"bench-{experiment}-{label or model}.json")
    with open(path, "w") as f:
        json.dump(plan, f)
    out = subprocess.run([parlab, "run", path, "--format", "json", "--no-store"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"parlab run {path} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    record = json.loads(out.stdout)["results"][0]
    if record["status"] != "OK":
        raise SystemExit(f"parlab {model} {experiment}: {record.get('error')}")
    sample = [s for s in record["samples"] if not s["warmup"]][0]
    return sample["wall_ns"] / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experiments", default="sieve,factorial,is_prime,sleep")
    parser.add_argument("--executors", default=",".join(EXECUTORS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--parlab", help="the parlab binary: also run parlab's python rows")
    parser.add_argument("--models", default="sequential,thread_pool,process_pool,coroutines")
    parser.add_argument("--http-url", help="adds the HTTP experiment: 10 GETs of this URL")
    parser.add_argument("--json", action="store_true", help="print rows as JSON lines")
    parser.add_argument("--quick", type=int, default=0, metavar="N",
                        help="only the first N args of each experiment (checks the script)")
    opts = parser.parse_args()
    if opts.http_url:
        EXPERIMENTS["http"] = ("http_get", "http_get_async", "check_http_ok", [opts.http_url] * 10)

    experiments = opts.experiments.split(",")
    if opts.quick:  # a smoke test of the script itself, not a measurement
        for key, (f, af, c, args) in list(EXPERIMENTS.items()):
            EXPERIMENTS[key] = (f, af, c, args[: opts.quick])
    # parlab's local worker imports only from the plan's folder: a copy of seeds.py goes there.
    plan_dir = tempfile.mkdtemp(prefix="parlab-bench-") if opts.parlab else None
    if plan_dir:
        shutil.copy(os.path.join(SEEDS_DIR, "seeds.py"), plan_dir)
        shutil.copy(os.path.join(HERE, "python_overhead_loop.py"), plan_dir)
    servers = {}
    try:
        for experiment in experiments:
            if experiment in HTTP_DELAY_MS:
                servers[experiment] = _start_http_server(HTTP_DELAY_MS[experiment])
            runners = []
            executors = opts.executors.split(",")
            if experiment == "overhead":
                executors, models = ["loop"], ["sequential"]
                if opts.parlab:  # the same loop inside parlab's interpreter, as one task
                    loop_params = {"module": "python_overhead_loop.py", "function": "sieve_loop",
                                   "range": [0, 1]}
                    runners.append(("parlab loop in one task", lambda: time_parlab(
                        opts.parlab, "sequential", experiment, 1, plan_dir, loop_params, "loop")))
            else:
                models = opts.models.split(",") if opts.parlab else []
            for name in executors:
                if name == "asyncio.gather" and EXPERIMENTS[experiment][1] is None:
                    continue
                runners.append(("python " + name, lambda n=name: time_executor(n, experiment, opts.workers)))
            for model in models:
                runners.append(("parlab " + model, lambda m=model: time_parlab(
                    opts.parlab, m, experiment, opts.workers, plan_dir)))
            times = {name: [] for name, _ in runners}
            for rep in range(opts.repetitions):
                order = list(runners)
                random.Random(rep).shuffle(order)
                for name, run in order:
                    times[name].append(run())
            loop = statistics.median(times["python loop"]) if "python loop" in times else None
            # The overhead check's reference: the same loop in parlab's own interpreter.
            same = times.get("parlab loop in one task")
            same = statistics.median(same) if same else None
            for name, samples in times.items():
                median = statistics.median(samples)
                row = {"experiment": experiment, "runner": name, "workers": opts.workers,
                       "median_s": median, "min_s": min(samples), "max_s": max(samples),
                       "vs_loop": median / loop if loop else None, "samples_s": samples}
                if same:
                    row["vs_same_interpreter_loop"] = median / same
                if opts.json:
                    print(json.dumps(row))
                else:
                    ratio = f"{row['vs_loop']:.3f}x loop" if loop else ""
                    if same:
                        ratio += f", {row['vs_same_interpreter_loop']:.3f}x the loop in parlab"
                    print(f"{experiment:10} {name:30} x{opts.workers:<3} median {median:8.4f} s "
                          f"[{min(samples):.4f}, {max(samples):.4f}]  {ratio}")
    finally:
        for process in servers.values():
            process.terminate()
        if plan_dir:
            shutil.rmtree(plan_dir)


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")  # the seeds' default on Linux (3.11)
    main()
