// `parlab serve --store FILE --listen ADDR`: the dashboard (serve/dashboard.h) over a read-only
// connection to the store, until Ctrl-C or SIGTERM.
#include <iostream>
#include <memory>

#include "commands.h"
#include "parlab/report/escape.h"
#include "parlab/security/net_security.h"
#include "parlab/serve/dashboard.h"
#include "parlab/store/store.h"
#include "stored_run_commands.h"

namespace parlab::cli {

int ServeCommand(const CliOptions& options, Interrupt& interrupt) {
  // The daemons' bind policy: loopback is free, any other address needs HTTPS and tokens or
  // --insecure; checked (and the files read) before the store is opened.
  security::DaemonSecurityFlags flags;
  flags.tls_cert = options.tls_cert;
  flags.tls_key = options.tls_key;
  flags.tokens = options.tokens;
  flags.insecure = options.insecure;
  absl::StatusOr<std::unique_ptr<security::ServerSecurity>> security =
      serve::ServeSecurity(options.listen, flags);
  if (!security.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(security.status().message()) << "\n";
    return kExitUsage;
  }
  const std::string path = options.store.empty() ? store::DefaultStorePath() : options.store;
  absl::StatusOr<std::unique_ptr<store::ResultStore>> store =
      store::ResultStore::OpenReadOnly(path);
  if (!store.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(store.status().message()) << "\n";
    return kExitUsage;
  }
  serve::Dashboard dashboard(**store);
  interrupt.serving = true;
  const std::string warning = serve::InsecureWarning(**security, options.listen);
  if (!warning.empty()) std::cerr << warning << std::endl;  // at every start
  absl::Status status = serve::ServeHttp(dashboard, options.listen, **security, std::cout,
                                         [&interrupt] { return interrupt.signals.load() > 0; });
  if (!status.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(status.message()) << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace parlab::cli
