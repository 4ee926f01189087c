#!/usr/bin/python3
"""A minimal parlab gRPC client: submit a plan to a parlab-coordinator, stream its events and
print each job's median wall time (docs/api.md).

    /usr/bin/python3 examples/python-client/parlab_client.py \
        --coordinator 127.0.0.1:7470 --workers 127.0.0.1:7471

Needs Debian's python3-grpcio and python3-grpc-tools (scripts/setup.sh installs them). The
stubs are generated from proto/parlab/v1/parlab.proto at run time into a temporary folder, so
the client always speaks the proto of the checkout it sits in.

Exit status: 0 every job OK; 1 some job failed or was cancelled; 2 the coordinator refused the
run (an RPC status such as INVALID_ARGUMENT) or could not be reached.
"""

import argparse
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import grpc

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_ROOT = os.path.join(REPO, "proto")
PROTO = os.path.join(PROTO_ROOT, "parlab", "v1", "parlab.proto")


def generate_stubs(out_dir, proto_root=PROTO_ROOT, proto=PROTO):
    """Writes parlab/v1/parlab_pb2{,_grpc}.py under out_dir and returns (pb2, pb2_grpc).

    grpc_tools.protoc first (python3-grpc-tools). Debian 12's grpc-tools 1.14 bundles protoc
    3.6, which refuses proto3 `optional` fields (Plan.repetitions and Plan.warmup); then the
    system protoc (protobuf-compiler, 3.21) with grpc_python_plugin (protobuf-compiler-grpc)
    does the same job."""
    common = ["-I" + proto_root, "--python_out=" + out_dir, proto]
    attempts = [
        [sys.executable, "-m", "grpc_tools.protoc", "--grpc_python_out=" + out_dir] + common,
    ]
    plugin = shutil.which("grpc_python_plugin")
    if shutil.which("protoc") and plugin:
        attempts.append(["protoc", "--plugin=protoc-gen-grpc=" + plugin, "--grpc_out=" + out_dir]
                        + common)
    errors = []
    for command in attempts:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode == 0:
            break
        errors.append("%s: %s" % (command[0] if command[0] != sys.executable else
                                  "grpc_tools.protoc", done.stderr.strip()))
    else:
        raise RuntimeError("cannot generate the stubs from %s:\n%s" % (proto, "\n".join(errors)))
    # The generated parlab_pb2_grpc imports "parlab.v1.parlab_pb2": make parlab.v1 a package.
    for package in ("parlab", os.path.join("parlab", "v1")):
        open(os.path.join(out_dir, package, "__init__.py"), "a").close()
    sys.path.insert(0, out_dir)
    return (importlib.import_module("parlab.v1.parlab_pb2"),
            importlib.import_module("parlab.v1.parlab_pb2_grpc"))


def build_plan(pb2, args):
    """A small plan: primes.sieve under sequential and thread_pool. Fields left out get the
    same defaults as in a JSON plan (docs/plans.md); they are set here to show each one."""
    plan = pb2.Plan(name=args.name, models=args.models, concurrency=args.concurrency,
                    repetitions=args.repetitions, warmup=args.warmup)
    plan.workload.kind = "primes.sieve"
    plan.workload.params["from"] = "1000"  # parameters travel as strings
    plan.workload.params["to"] = "3000"
    return plan


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--coordinator", required=True, help="HOST:PORT of parlab-coordinator")
    parser.add_argument("--workers", default="",
                        help="HOST:PORT,... (empty: every worker the coordinator knows)")
    parser.add_argument("--name", default="python-client")
    parser.add_argument("--models", default="sequential,thread_pool",
                        type=lambda s: s.split(","))
    parser.add_argument("--concurrency", default="2", type=lambda s: [int(c) for c in s.split(",")])
    parser.add_argument("--repetitions", default=3, type=int)
    parser.add_argument("--warmup", default=1, type=int)
    parser.add_argument("--timeout", default=300, type=float, help="deadline of the run, seconds")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="parlab-stubs-") as stubs:
        pb2, pb2_grpc = generate_stubs(stubs)
        channel = grpc.insecure_channel(args.coordinator)
        coordinator = pb2_grpc.CoordinatorServiceStub(channel)
        request = pb2.SubmitRunRequest(plan=build_plan(pb2, args),
                                       workers=[w for w in args.workers.split(",") if w])
        ok = failed = 0
        try:
            # A server stream: iterate until the coordinator ends it. Breaking out of the loop
            # (or the deadline) cancels the call, and the coordinator then cancels the run's jobs.
            for event in coordinator.SubmitRun(request, timeout=args.timeout):
                kind = event.WhichOneof("event")
                if kind == "started":
                    print("run %s: %d jobs, %d repetitions" % (
                        event.started.run_id, event.started.total_jobs,
                        event.started.total_repetitions))
                elif kind == "job_result":
                    result = event.job_result
                    status = pb2.JobStatus.Name(result.status)
                    walls = [s.wall_ns for s in result.samples if not s.warmup]
                    if result.status == pb2.JOB_STATUS_OK:
                        ok += 1
                        print("%-12s concurrency %-3d %-14s median %.3f ms over %d repetitions on %s"
                              % (result.model, result.concurrency, status,
                                 statistics.median(walls) / 1e6, len(walls), result.machine))
                    else:
                        # A job that failed is a result inside the stream, not an RPC error.
                        failed += 1
                        print("%-12s concurrency %-3d %-14s %s" % (
                            result.model, result.concurrency, status, result.error))
                elif kind == "worker_lost":
                    print("worker %s lost: %s" % (event.worker_lost.worker,
                                                  event.worker_lost.reason))
                elif kind == "finished":
                    print("finished: run %s, %d OK, %d failed" % (
                        event.finished.run_id, event.finished.jobs_ok,
                        event.finished.jobs_failed))
        except grpc.RpcError as error:
            # The run was refused (INVALID_ARGUMENT: a bad plan; UNAVAILABLE: a worker cannot
            # be reached; FAILED_PRECONDITION: no workers) or the stream broke.
            print("parlab_client: %s: %s" % (error.code().name, error.details()), file=sys.stderr)
            return 2
        return 0 if failed == 0 and ok > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
