// The CLI side of the result store: `parlab run` with the embedded coordinator records its run
// in the store of --store (default DefaultStorePath()) unless --no-store.
//
//   std::unique_ptr<CliStoreRecorder> store = CliStoreRecorder::Start(options, plan, canceller);
//   if (store != nullptr) run_options.run_id = store->run_id();
//   RunPlan(..., [&](const v1::RunEvent& e) { if (store) store->OnEvent(e); progress.OnEvent(e);
//   }); if (store != nullptr) store->Report(std::cerr);  // "stored as RUN_ID in PATH"
//
// A store that cannot be opened or written never stops the run: the results are still printed,
// and the store's error is one line on stderr.
#ifndef PARLAB_COORDINATOR_CLI_STORE_RECORDER_H_
#define PARLAB_COORDINATOR_CLI_STORE_RECORDER_H_

#include <memory>
#include <ostream>

#include "args.h"
#include "parlab/cluster/cancel.h"
#include "parlab/store/store.h"
#include "parlab/store/store_recorder.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::cli {

class CliStoreRecorder {
 public:
  // Null with --no-store, or when the store cannot be opened (said on `log`).
  static std::unique_ptr<CliStoreRecorder> Start(const CliOptions& options, const v1::Plan& plan,
                                                 const cluster::RunCanceller& canceller,
                                                 std::ostream& log);

  const std::string& run_id() const { return recorder_.run_id(); }
  void OnEvent(const v1::RunEvent& event) { recorder_.OnEvent(event); }
  // "stored as RUN_ID in PATH", or why it was not.
  void Report(std::ostream& log) const;

  CliStoreRecorder(std::unique_ptr<store::ResultStore> store, const v1::Plan& plan,
                   const cluster::RunCanceller& canceller);

 private:
  std::unique_ptr<store::ResultStore> store_;
  store::StoreRecorder recorder_;
};

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_STORE_RECORDER_H_
