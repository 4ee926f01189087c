// `parlab serve --store FILE --listen ADDR`: the dashboard (serve/dashboard.h) over a read-only
// connection to the store, until Ctrl-C or SIGTERM.
#include <iostream>
#include <memory>

#include "commands.h"
#include "parlab/report/escape.h"
#include "parlab/serve/dashboard.h"
#include "parlab/store/store.h"
#include "stored_run_commands.h"

namespace parlab::cli {

int ServeCommand(const CliOptions& options, Interrupt& interrupt) {
  if (absl::Status status = serve::CheckListenAddress(options.listen); !status.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(status.message()) << "\n";
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
  absl::Status status = serve::ServeHttp(dashboard, options.listen, std::cout,
                                         [&interrupt] { return interrupt.signals.load() > 0; });
  if (!status.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(status.message()) << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace parlab::cli
