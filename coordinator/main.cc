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

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "parlab/common/machine_info.h"
#include "parlab/coordinator/service.h"
#include "parlab/coordinator/signal_watcher.h"
#include "parlab/store/store.h"

namespace {

constexpr char kUsage[] =
    "usage: parlab-coordinator [--listen HOST:PORT] [--workers HOST:PORT,...]\n"
    "                          [--connect-timeout SECONDS] [--hostfile FILE]\n"
    "                          [--workers-dns NAME:PORT] [--heartbeat-timeout SECONDS]\n"
    "                          [--store FILE | --no-store]\n"
    "  --listen            address to serve on (default 127.0.0.1:0: a free port)\n"
    "  --workers           the workers runs go to when a request names none\n"
    "  --connect-timeout   how long to wait for a worker before calling it unreachable (5)\n"
    "  --hostfile          more workers: one HOST:PORT per line, # comments (re-read per run)\n"
    "  --workers-dns       more workers: every address NAME resolves to (re-resolved per run;\n"
    "                      a Kubernetes headless Service)\n"
    "  --store             the result store every run is recorded in (default $PARLAB_STORE,\n"
    "                      else $XDG_DATA_HOME/parlab/runs.db, else\n"
    "                      ~/.local/share/parlab/runs.db; docs/results-store.md)\n"
    "  --no-store          record nothing (`parlab results --coordinator` then fails)\n"
    "  --heartbeat-timeout a worker is lost after this many seconds without a heartbeat or\n"
    "                      an answer, also in the middle of a job (5)\n";

int Fail(const std::string& message) {
  std::cerr << "parlab-coordinator: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parlab::coordinator;
  std::string listen = "127.0.0.1:0";
  std::vector<std::string> workers;
  double timeout_s = 5;
  parlab::cluster::RegistryOptions discovery;
  std::string store_path = parlab::store::DefaultStorePath();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if ((arg == "--listen" || arg == "--workers" || arg == "--connect-timeout" ||
                arg == "--hostfile" || arg == "--workers-dns" || arg == "--heartbeat-timeout" ||
                arg == "--store")) {
      if (i + 1 >= argc) return Fail(arg + ": missing value");
      value = argv[++i];
    }
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--version") {
      std::cout << "parlab-coordinator " << parlab::kParlabVersion << "\n";
      return 0;
    } else if (arg == "--listen") {
      listen = value;
    } else if (arg == "--workers") {
      workers = absl::StrSplit(value, ',', absl::SkipWhitespace());
    } else if (arg == "--connect-timeout") {
      if (!absl::SimpleAtod(value, &timeout_s) || timeout_s <= 0) {
        return Fail("--connect-timeout: must be a positive number of seconds, got \"" + value +
                    "\"");
      }
    } else if (arg == "--hostfile") {
      discovery.hostfile = value;
    } else if (arg == "--store") {
      if (value.empty()) return Fail("--store: must name a file, got \"\"");
      store_path = value;
    } else if (arg == "--no-store") {
      store_path.clear();
    } else if (arg == "--workers-dns") {
      discovery.workers_dns = value;
    } else if (arg == "--heartbeat-timeout") {
      double seconds = 0;
      if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0) || seconds > 3600) {
        return Fail("--heartbeat-timeout: must be a number of seconds in (0, 3600], got \"" +
                    value + "\"");
      }
      discovery.heartbeat_timeout = absl::Seconds(seconds);
      // Workers beat at least three times per timeout, so one lost packet is not a lost worker.
      discovery.heartbeat_interval = std::min(absl::Seconds(1), discovery.heartbeat_timeout / 3);
    } else {
      return Fail("unknown argument \"" + arg + "\"");
    }
  }

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
    absl::StatusOr<std::unique_ptr<parlab::store::ResultStore>> opened = parlab::store::ResultStore::Open(store_path);
    if (!opened.ok()) return Fail(std::string(opened.status().message()));
    store = *std::move(opened);
  }
  auto server =
      StartCoordinatorServer(listen, workers, absl::Seconds(timeout_s), discovery, store);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  running = server->get();
  if (stop) {  // a signal came while the server was starting
    watcher.reset();
    return 0;
  }
  std::cout << "parlab-coordinator listening on " << (*server)->address() << std::endl;
  (*server)->Wait();
  watcher.reset();  // joins the watcher before the server it may touch goes away
  return 0;
}
