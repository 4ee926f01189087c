// The no-op job round trip (issue 13): the time from a client sending RunJob for a trivial job
// (one `sleep` task of 0 ms, one repetition, no warm-up) to the job's result coming back, with a
// fresh parlab-runner per job, exactly as every interleaved round runs each job. The worker is a
// real WorkerServer in this process on 127.0.0.1 (the same code as parlab-worker), reached over
// one gRPC channel made once, as the coordinator keeps one per worker; the runner is the built
// parlab-runner and the plugin the built `sequential.so`.
//
//   build/bin/job_round_trip_benchmark --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one command line)
//
// BM_NoOpJob/warmup:W/tls:T: W = 0 no warm-up, 1 one warm-up first (the default plan's shape);
// T = 0 plaintext, 1 TLS with a bearer token checked on the call (what a lab runs,
// docs/security.md; certificates from scripts/make-lab-certs.sh). T=1 against T=0 is the
// issue-11 figure "the no-op job round trip with and without TLS" (target <= 1.2x).
// BM_SpawnRunnerHelp: posix_spawn + exit of parlab-runner alone (`--help`), the floor of any
// job that gets a fresh runner.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "parlab/security/net_security.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "parlab/worker/flags.h"
#include "parlab/worker/server.h"

extern char** environ;

namespace {

struct Fixture {
  std::unique_ptr<parlab::WorkerServer> server;
  std::unique_ptr<parlab::v1::WorkerService::Stub> stub;
};

constexpr char kToken[] = "bench-token-0123456789abcdef";

// A lab CA and a certificate for 127.0.0.1, made once (scripts/make-lab-certs.sh).
const std::string& CertDir() {
  static const std::string* dir = [] {
    std::string path = "/tmp/parlab-bench-certs-XXXXXX";
    if (mkdtemp(path.data()) == nullptr) std::abort();
    const std::string command =
        absl::StrCat("bash '", PARLAB_MAKE_LAB_CERTS, "' '", path, "' 127.0.0.1 >/dev/null");
    if (std::system(command.c_str()) != 0) std::abort();
    std::ofstream(path + "/tokens") << "bench submit " << kToken << "\n";
    return new std::string(path);
  }();
  return *dir;
}

Fixture& Worker(bool tls) {
  static Fixture* fixtures[2] = {};
  Fixture*& fixture = fixtures[tls ? 1 : 0];
  if (fixture != nullptr) return *fixture;
  auto* f = new Fixture;
  parlab::WorkerOptions options;
  options.listen = "127.0.0.1:0";
  options.plugin_dirs = {PARLAB_PLUGIN_DIR};
  options.runner_path = PARLAB_RUNNER_BIN;
  parlab::security::ClientSecurity client;
  if (tls) {
    const std::string& dir = CertDir();
    options.security.tls_cert = dir + "/127.0.0.1.crt";
    options.security.tls_key = dir + "/127.0.0.1.key";
    options.security.tls_ca = dir + "/ca.crt";
    options.security.tokens = dir + "/tokens";
    client.ca_pem = parlab::security::ReadPemFile("ca", options.security.tls_ca).value();
    client.token = kToken;
  }
  absl::StatusOr<std::unique_ptr<parlab::WorkerServer>> server =
      parlab::WorkerServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "job_round_trip_benchmark: %s\n",
                 std::string(server.status().message()).c_str());
    std::abort();
  }
  f->server = *std::move(server);
  f->stub = parlab::v1::WorkerService::NewStub(
      parlab::security::CreateChannel(f->server->address(), grpc::ChannelArguments(), client));
  fixture = f;
  return *f;
}

parlab::v1::Job NoOpJob(int warmup) {
  parlab::v1::Job job;
  job.set_job_id("noop");
  job.set_model("sequential");
  job.set_concurrency(1);
  job.set_repetitions(1);
  job.set_warmup(warmup);
  job.mutable_workload()->set_kind("sleep");
  (*job.mutable_workload()->mutable_params())["tasks"] = "1";
  (*job.mutable_workload()->mutable_params())["ms"] = "0";
  return job;
}

void BM_NoOpJob(benchmark::State& state) {
  Fixture& worker = Worker(state.range(1) != 0);
  parlab::v1::RunJobRequest request;
  *request.mutable_job() = NoOpJob(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    grpc::ClientContext context;
    auto reader = worker.stub->RunJob(&context, request);
    parlab::v1::JobEvent event;
    bool ok = false;
    while (reader->Read(&event)) {
      if (event.has_result()) ok = event.result().status() == parlab::v1::JOB_STATUS_OK;
    }
    grpc::Status status = reader->Finish();
    if (!status.ok() || !ok) {
      state.SkipWithError("the no-op job did not finish OK");
      break;
    }
  }
}
BENCHMARK(BM_NoOpJob)
    ->ArgNames({"warmup", "tls"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SpawnRunnerHelp(benchmark::State& state) {
  char runner[] = PARLAB_RUNNER_BIN;
  char help[] = "--help";
  char* argv[] = {runner, help, nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  for (auto _ : state) {
    pid_t pid = 0;
    if (posix_spawn(&pid, runner, &actions, nullptr, argv, environ) != 0) {
      state.SkipWithError("posix_spawn failed");
      break;
    }
    int status = 0;
    waitpid(pid, &status, 0);
  }
  posix_spawn_file_actions_destroy(&actions);
}
BENCHMARK(BM_SpawnRunnerHelp)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
