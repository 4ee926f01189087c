// The worker daemon's server: describes the plugins, binds the gRPC port, serves WorkerService
// and the standard grpc.health.v1 service. RunServer() is the whole daemon (main() only parses
// flags); WorkerServer is the same without the signal handling, for embedding.
//
//   WorkerOptions options{.listen = "127.0.0.1:0", .plugin_dirs = {dir}, .runner_path = runner};
//   absl::Status st = RunServer(options);  // returns after SIGINT / SIGTERM
#ifndef PARLAB_WORKER_SERVER_H_
#define PARLAB_WORKER_SERVER_H_

#include <grpcpp/server.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parlab/worker/flags.h"
#include "parlab/worker/worker_service.h"

namespace parlab {

class WorkerServer {
 public:
  // Checks the security flags against --listen (InvalidArgument: a non-loopback address without
  // TLS and tokens), describes the plugins (logging refused ones to stderr), then binds and
  // starts serving.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WorkerServer>> Start(
      const WorkerOptions& options);

  // Describes the plugin directories again (a fresh runner) and serves the new set; jobs in
  // flight keep their plugin. RunServer calls it on SIGHUP.
  void ReloadPlugins();

  // Who may call, from the --tls-* and --tokens flags (docs/security.md).
  const security::ServerSecurity& security() const { return *security_; }

  // "HOST:PORT" with the port actually bound.
  const std::string& address() const { return address_; }
  // The service, for its description and busy state (the heartbeat reads both).
  WorkerServiceImpl& service() { return *service_; }

  // Cancels running jobs (their runners are stopped), lets calls finish until `deadline`,
  // then cancels the rest; returns when the server is down.
  void Shutdown(absl::Duration deadline);

 private:
  WorkerServer() = default;

  WorkerOptions options_;
  std::unique_ptr<security::ServerSecurity> security_;
  std::unique_ptr<WorkerServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

// Blocks SIGINT, SIGTERM and SIGHUP (so that gRPC's threads never take them), ignores SIGPIPE,
// starts a WorkerServer, prints "parlab-worker listening on HOST:PORT" to stdout, and serves
// until SIGINT or SIGTERM arrives; then shuts down gracefully. SIGHUP reloads the plugins.
// With options.coordinator, an Announcer registers the worker there and heartbeats.
[[nodiscard]] absl::Status RunServer(const WorkerOptions& options);

}  // namespace parlab

#endif  // PARLAB_WORKER_SERVER_H_
