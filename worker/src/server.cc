#include "parlab/worker/server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <linux/capability.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "parlab/common/lifeline.h"
#include "parlab/common/log.h"
#include "parlab/common/run_limits.h"
#include "parlab/worker/announcer.h"
#include "parlab/worker/runner_describe.h"

namespace parlab {
namespace {

constexpr absl::Duration kShutdownDeadline = absl::Seconds(5);

void LogDescription(const v1::WorkerDescription& description) {
  std::vector<std::string> models;
  for (const auto& m : description.models())
    models.push_back(absl::StrCat(m.name(), " ", m.version()));
  std::vector<std::string> workloads;
  for (const auto& w : description.workloads()) workloads.push_back(w.kind());
  log::Event("plugins",
             {{"models", models.empty() ? "none" : absl::StrJoin(models, ", ")},
              {"workloads", workloads.empty() ? "none" : absl::StrJoin(workloads, ",")}});
  for (const auto& refused : description.refused()) {
    log::Event("plugin_refused", {{"path", refused.path()}, {"reason", refused.reason()}});
  }
}

// Why RLIMIT_NPROC cannot hold this worker's runners, or "" when it can. The kernel exempts root
// and a process with CAP_SYS_RESOURCE or CAP_SYS_ADMIN. And the runner sets the limit above its
// user's tasks as counted in /proc, which shows them all only in the initial PID and user
// namespaces (in a container the host's tasks of the same uid count too, unseen). The initial
// namespaces have fixed inode numbers (PROC_PID_INIT_INO, PROC_USER_INIT_INO in the kernel).
std::string WhyNoProcessRlimit() {
  if (getuid() == 0) return "root is exempt";
  constexpr ino_t kInitialPidNamespace = 0xEFFFFFFC;
  constexpr ino_t kInitialUserNamespace = 0xEFFFFFFD;
  struct stat pid_ns {
  }, user_ns{};
  if (stat("/proc/self/ns/pid", &pid_ns) != 0 || stat("/proc/self/ns/user", &user_ns) != 0 ||
      pid_ns.st_ino != kInitialPidNamespace || user_ns.st_ino != kInitialUserNamespace) {
    return "in a PID or user namespace of its own, /proc hides some of the tasks the kernel counts";
  }
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    uint64_t effective = 0;
    if (absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line.substr(7)), &effective) &&
        (effective & ((uint64_t{1} << CAP_SYS_RESOURCE) | (uint64_t{1} << CAP_SYS_ADMIN)))) {
      return "CAP_SYS_RESOURCE or CAP_SYS_ADMIN exempts it";
    }
  }
  return "";
}

// The runner flags and their description in words for the job limits of `options`.
// `process_rlimit`: no cgroup counts a job's processes, so the runner sets RLIMIT_NPROC.
std::pair<std::vector<std::string>, std::string> JobLimitFlags(const WorkerOptions& options,
                                                               bool process_rlimit) {
  std::vector<std::string> args;
  std::vector<std::string> words;
  if (process_rlimit) {
    const int64_t allowance = int64_t{options.max_job_processes} + kRunnerOwnTasks;
    args.insert(args.end(), {"--max-processes", absl::StrCat(allowance)});
    words.push_back(absl::StrCat("process limit RLIMIT_NPROC: the user's own plus ", allowance,
                                 " (--max-job-processes, with the runner's own threads)"));
  }
  if (options.max_job_memory_mib > 0) {
    args.insert(args.end(), {"--max-memory-mib", absl::StrCat(options.max_job_memory_mib)});
    words.push_back(
        absl::StrCat("memory limit ", options.max_job_memory_mib, " MiB (--max-job-memory)"));
  }
  if (options.max_job_files > 0) {
    args.insert(args.end(), {"--max-open-files", absl::StrCat(options.max_job_files)});
    words.push_back(absl::StrCat("open-file limit ", options.max_job_files, " (--max-job-files)"));
  }
  // Not a limit in words: the description publishes it (allow_http).
  args.insert(args.end(), {"--allow-http", options.allow_http.ToString()});
  return {args, absl::StrJoin(words, ", ")};
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkerServer>> WorkerServer::Start(const WorkerOptions& options) {
  absl::StatusOr<std::unique_ptr<security::ServerSecurity>> security =
      security::ServerSecurity::Create(options.security, options.listen, "parlab-worker");
  if (!security.ok()) return security.status();
  v1::WorkerDescription description =
      DescribePluginsOrRefusal(options.runner_path, options.plugin_dirs);
  LogDescription(description);
  description.mutable_labels()->insert(options.labels.begin(), options.labels.end());
  for (const std::string& entry : options.allow_http.entries()) description.add_allow_http(entry);
  description.set_max_concurrency(options.max_concurrency);
  description.set_max_job_processes(options.max_job_processes);
  // Before any thread of ours runs: cgroup v2 moves this whole process into a leaf.
  std::unique_ptr<JobCgroups> cgroups =
      options.job_cgroups ? JobCgroups::Setup({.memory_max_mib = options.max_job_memory_mib})
                          : JobCgroups::None("--job-cgroups off");
  description.set_job_process_limit(cgroups->available() ? cgroups->mechanism()
                                                         : limits::kProcessLimitCheck);
  // Without a cgroup, the runners also get RLIMIT_NPROC where it binds: user code (a python
  // task, a plugin) that forks past the ABI's promise is then stopped too, not only a job whose
  // concurrency asks for too much.
  const std::string no_process_rlimit = cgroups->available() ? "" : WhyNoProcessRlimit();
  const bool process_rlimit = !cgroups->available() && no_process_rlimit.empty();
  // Once, which mechanism holds each job to --max-job-processes and why.
  if (cgroups->available()) {
    log::Event("job_limits", {{"max_concurrency", options.max_concurrency},
                              {"max_job_processes", options.max_job_processes},
                              {"mechanism", cgroups->mechanism()},
                              {"cgroup", cgroups->parent()}});
  } else {
    log::Event("job_limits",
               {{"max_concurrency", options.max_concurrency},
                {"max_job_processes", options.max_job_processes},
                {"mechanism", limits::kProcessLimitCheck},
                {"rlimit_nproc", process_rlimit ? std::string("yes")
                                                : absl::StrCat("no (", no_process_rlimit, ")")},
                {"reason", cgroups->reason()}});
  }

  std::unique_ptr<WorkerServer> server(new WorkerServer());
  server->options_ = options;
  server->security_ = *std::move(security);
  server->service_ =
      std::make_unique<WorkerServiceImpl>(options.runner_path, std::move(description));
  auto [limit_args, limit_words] = JobLimitFlags(options, process_rlimit);
  // Where a python workload's modules may come from: every runner (job or check) is told.
  for (const std::string& dir : options.python_path) {
    limit_args.insert(limit_args.end(), {"--python-path", dir});
  }
  server->service_->SetJobEnvironment(options.scratch_root, std::move(limit_args),
                                      std::move(limit_words));
  server->service_->SetJobCgroups(std::move(cgroups), options.max_job_processes);
  server->service_->SetSecurity(server->security_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // The coordinator pings every second to notice a cut link (docs/cluster.md); gRPC's default
  // would answer such pings with GOAWAY "too_many_pings".
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 100);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC sets SO_REUSEPORT by default: a second daemon on a busy port would start and take
  // half of the connections. Refuse the port instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(options.listen, server->security_->credentials(), &port);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("--listen: cannot listen on \"", options.listen,
                     "\": the port is in use (by another daemon?) or the address is not local"));
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  server->address_ = absl::StrCat(host, ":", port);
  server->service_->SetAddress(server->address_);
  if (auto* health = server->server_->GetHealthCheckService()) {
    health->SetServingStatus(true);
    health->SetServingStatus(v1::WorkerService::service_full_name(), true);
  }
  return server;
}

void WorkerServer::ReloadPlugins() {
  log::Event("reload", {{"signal", "SIGHUP"}});
  v1::WorkerDescription description =
      DescribePluginsOrRefusal(options_.runner_path, options_.plugin_dirs);
  LogDescription(description);
  service_->UpdatePlugins(description);
}

void WorkerServer::Shutdown(absl::Duration deadline) {
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  service_->BeginShutdown();
  // With no job running nothing needs the grace: gRPC would otherwise wait all of it for a
  // client that keeps its connection open and does not answer (a coordinator's kept channel,
  // the coordinator SIGSTOPped) before it force-closes the connection.
  if (!service_->busy()) deadline = absl::ZeroDuration();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  server_->Wait();
}

absl::Status RunServer(const WorkerOptions& options) {
  log::SetProgram("parlab-worker");
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if (options.lifeline_fd >= 0) {
    // The process that started us is gone (parlab run's local worker after a kill -9 of
    // parlab): shut down as on SIGTERM. This thread blocks SIGTERM, so the sigwait below gets it.
    WatchLifeline(options.lifeline_fd, [] {
      log::Event("parent_gone", {{"action", "shutdown"}});
      ::kill(::getpid(), SIGTERM);
    });
  }

  // One identity for every call this process makes (registration, heartbeats).
  absl::StatusOr<security::ClientSecurity> client =
      security::DaemonClientSecurity(options.security);
  if (!client.ok()) return client.status();
  security::SetProcessClientSecurity(*std::move(client));
  absl::StatusOr<std::unique_ptr<WorkerServer>> server = WorkerServer::Start(options);
  if (!server.ok()) return server.status();
  // At every start, before the address: --insecure on a network address is a choice to repeat.
  if (!(*server)->security().warning().empty()) {
    std::cerr << (*server)->security().warning() << std::endl;
  }
  std::cout << "parlab-worker listening on " << (*server)->address() << std::endl;
  log::Event("start",
             {{"address", (*server)->address()}, {"security", (*server)->security().Summary()}});
  std::unique_ptr<Announcer> announcer;
  if (!options.coordinator.empty()) {
    WorkerServer* worker = server->get();
    announcer = std::make_unique<Announcer>(
        options.coordinator, options.heartbeat_interval,
        [worker, &options] {
          v1::WorkerDescription description = worker->service().Description();
          description.set_address(AnnouncedAddress(options.advertise, worker->address()));
          return description;
        },
        [worker] { return worker->service().busy(); });
  }

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0 || signal_number == SIGHUP) {
    if (signal_number == SIGHUP) (*server)->ReloadPlugins();
    signal_number = 0;
  }
  log::Event("shutdown", {{"signal", strsignal(signal_number)}});
  if (announcer != nullptr) announcer->Stop();
  (*server)->Shutdown(kShutdownDeadline);
  log::Event("stop", {});
  return absl::OkStatus();
}

}  // namespace parlab
