// parlab-coordinator: the coordinator daemon. Thin: flags, then StartCoordinatorServer.
//
//   parlab-coordinator --listen 127.0.0.1:0 --workers 10.0.0.5:4511,10.0.0.6:4511
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "parlab/cluster/worker_client.h"
#include "parlab/common/flags.h"
#include "parlab/common/log.h"
#include "parlab/common/machine_info.h"
#include "parlab/common/status_macros.h"
#include "parlab/coordinator/plan_limits.h"
#include "parlab/coordinator/service.h"
#include "parlab/coordinator/signal_watcher.h"
#include "parlab/security/net_security.h"
#include "parlab/store/store.h"

namespace {

using parlab::flags::Flag;

const std::vector<Flag> kOwnFlags = {
    {"--listen", "HOST:PORT", "address to serve on (127.0.0.1:0: a free port)", "127.0.0.1:0"},
    {"--workers", "HOST:PORT,...", "the workers runs go to when a request names none"},
    {"--connect-timeout", "SECONDS", "how long to wait for a worker before calling it unreachable",
     "5"},
    {"--hostfile", "FILE", "more workers: one HOST:PORT per line, # comments (re-read per run)"},
    {"--workers-dns", "NAME:PORT",
     "more workers: every address NAME resolves to (re-resolved per run;\n"
     "a Kubernetes headless Service)"},
    {"--store", "FILE",
     "the result store every run is recorded in (default $PARLAB_STORE,\n"
     "else $XDG_DATA_HOME/parlab/runs.db, else ~/.local/share/parlab/runs.db;\n"
     "docs/results-store.md)"},
    {"--no-store", "", "record nothing (`parlab results --coordinator` then fails)"},
    {"--heartbeat-timeout", "SECONDS",
     "a worker is lost after this many seconds without a heartbeat or an\n"
     "answer, also in the middle of a job (at most 3600)",
     "5"},
};

// The coordinator's own flags, then the security flags both daemons share (docs/security.md).
const std::vector<Flag> kFlags = [] {
  std::vector<Flag> table = kOwnFlags;
  const std::vector<Flag>& security = parlab::security::DaemonFlagTable();
  table.insert(table.end(), security.begin(), security.end());
  return table;
}();

std::string Usage() {
  return "usage: parlab-coordinator [flags]\n" + parlab::flags::FlagHelp(kFlags);
}

int Fail(const std::string& message) {
  std::cerr << "parlab-coordinator: " << message << "\n" << Usage();
  return parlab::flags::kExitUsage;
}

struct DaemonOptions {
  std::string listen = "127.0.0.1:0";
  std::vector<std::string> workers;
  absl::Duration connect_timeout = absl::Seconds(5);
  parlab::cluster::RegistryOptions discovery;
  std::string store_path = parlab::store::DefaultStorePath();
  parlab::security::DaemonSecurityFlags security;
};

absl::Status Apply(const std::string& flag, const std::string& value, DaemonOptions& options) {
  namespace flags = parlab::flags;
  if (parlab::security::IsDaemonFlag(flag)) {
    return parlab::security::ApplyDaemonFlag(flag, value, options.security);
  }
  if (flag == "--listen") {
    options.listen = value;
  } else if (flag == "--workers") {
    options.workers = flags::SplitList(value);
  } else if (flag == "--connect-timeout") {
    PARLAB_ASSIGN_OR_RETURN(options.connect_timeout, flags::PositiveSeconds(flag, value));
  } else if (flag == "--hostfile") {
    options.discovery.hostfile = value;
  } else if (flag == "--workers-dns") {
    PARLAB_ASSIGN_OR_RETURN(options.discovery.workers_dns,
                            flags::HostPort(flag, value, 1, "NAME:PORT"));
  } else if (flag == "--store") {
    if (value.empty()) return absl::InvalidArgumentError("--store: must name a file, got \"\"");
    options.store_path = value;
  } else if (flag == "--no-store") {
    options.store_path.clear();
  } else if (flag == "--heartbeat-timeout") {
    absl::Duration timeout;
    PARLAB_ASSIGN_OR_RETURN(timeout, flags::PositiveSeconds(flag, value, absl::Hours(1)));
    options.discovery.heartbeat_timeout = timeout;
    // Workers beat at least three times per timeout, so one lost packet is not a lost worker.
    options.discovery.heartbeat_interval = std::min(absl::Seconds(1), timeout / 3);
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parlab::coordinator;
  parlab::log::SetProgram("parlab-coordinator");
  absl::StatusOr<parlab::flags::ParsedFlags> parsed =
      parlab::flags::ParseFlags(std::vector<std::string>(argv + 1, argv + argc), kFlags);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  if (parsed->help) {
    std::cout << Usage();
    return 0;
  }
  if (parsed->version) {
    std::cout << "parlab-coordinator " << parlab::kParlabVersion << "\n";
    return 0;
  }
  if (!parsed->positional.empty()) {
    return Fail("unexpected argument \"" + parsed->positional[0] + "\"");
  }
  // Checked once at start: every SubmitRun then applies the same limits (ValidatePlan).
  if (absl::Status limits = parlab::coordinator::PlanLimitsFromEnv().status(); !limits.ok()) {
    return Fail(std::string(limits.message()));
  }
  DaemonOptions options;
  for (const auto& [flag, value] : parsed->values) {
    if (absl::Status status = Apply(flag, value, options); !status.ok()) {
      return Fail(std::string(status.message()));
    }
  }
  const std::string& listen = options.listen;
  const std::vector<std::string>& workers = options.workers;
  const parlab::cluster::RegistryOptions& discovery = options.discovery;
  const std::string& store_path = options.store_path;
  // Before anything starts: a network address without TLS and tokens is refused here (exit 2).
  absl::StatusOr<std::unique_ptr<parlab::security::ServerSecurity>> security =
      parlab::security::ServerSecurity::Create(options.security, listen, "parlab-coordinator");
  if (!security.ok()) return Fail(std::string(security.status().message()));
  // What this process presents to workers (TLS with --tls-ca, the --token-file token).
  absl::StatusOr<parlab::security::ClientSecurity> client =
      parlab::security::DaemonClientSecurity(options.security);
  if (!client.ok()) return Fail(std::string(client.status().message()));
  parlab::security::SetProcessClientSecurity(*std::move(client));
  // One channel per worker for the coordinator's lifetime: handshakes once, not per run.
  parlab::cluster::KeepChannels(true);
  const std::string warning = (*security)->warning();
  const std::string summary = (*security)->Summary();

  // Before any gRPC thread exists, so that they all inherit the blocked signals.
  std::atomic<CoordinatorServer*> running{nullptr};
  std::atomic<bool> stop{false};
  auto watcher = std::make_unique<SignalWatcher>([&](int) {
    stop = true;
    if (CoordinatorServer* server = running.load()) server->Shutdown();
  });
  // Opened before serving: a store that cannot be opened is a start-up error, not a lost run.
  std::shared_ptr<parlab::store::ResultStore> store;
  if (!store_path.empty()) {
    absl::StatusOr<std::unique_ptr<parlab::store::ResultStore>> opened =
        parlab::store::ResultStore::Open(store_path);
    if (!opened.ok()) return Fail(std::string(opened.status().message()));
    store = *std::move(opened);
  }
  auto server = StartCoordinatorServer(listen, workers, options.connect_timeout, discovery, store,
                                       *std::move(security));
  if (!server.ok()) return Fail(std::string(server.status().message()));
  running = server->get();
  if (stop) {  // a signal came while the server was starting
    watcher.reset();
    return 0;
  }
  if (!warning.empty()) std::cerr << warning << std::endl;  // at every start
  std::cout << "parlab-coordinator listening on " << (*server)->address() << std::endl;
  parlab::log::Event("start", {{"address", (*server)->address()},
                               {"security", summary},
                               {"version", parlab::kParlabVersion},
                               {"store", store_path.empty() ? "none" : store_path}});
  (*server)->Wait();
  watcher.reset();  // joins the watcher before the server it may touch goes away
  parlab::cluster::KeepChannels(false);  // the channels go before gRPC's own statics
  parlab::log::Event("stop", {});
  return 0;
}
