// parlab-coordinator: the coordinator daemon. Thin: flags, then StartCoordinatorServer.
//
//   parlab-coordinator --listen 127.0.0.1:0 --workers 10.0.0.5:4511,10.0.0.6:4511
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

namespace {

constexpr char kUsage[] =
    "usage: parlab-coordinator [--listen HOST:PORT] [--workers HOST:PORT,...]\n"
    "                          [--connect-timeout SECONDS]\n"
    "  --listen            address to serve on (default 127.0.0.1:0: a free port)\n"
    "  --workers           the workers runs go to when a request names none\n"
    "  --connect-timeout   how long to wait for a worker before calling it unreachable (5)\n";

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
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if ((arg == "--listen" || arg == "--workers" || arg == "--connect-timeout")) {
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
  auto server = StartCoordinatorServer(listen, workers, absl::Seconds(timeout_s));
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
