// Writes a run into a ResultStore as its RunEvents go by. The daemon's SubmitRun and the CLI's
// embedded coordinator both wrap their event callback with one, so a run is stored the same
// way wherever it ran.
//
//   std::string run_id = NewRunId();
//   StoreRecorder recorder(store.get(), run_id, plan, [&] { return "finished"; });
//   options.run_id = run_id;
//   RunPlan(plan, workers, options, [&](const v1::RunEvent& e) {
//     recorder.OnEvent(e);  // `finished`: FinishRun BEFORE the event goes on
//     Forward(e);
//   });
//   if (!recorder.status().ok()) LOG(recorder.status());
//
// The run is begun with the first event, so a plan that fails before any job (unreachable
// worker) leaves nothing behind. A store error never stops the run: the first one is kept in
// status(), nothing more is written, and the run is closed "incomplete" if the store allows.
#ifndef PARLAB_STORE_STORE_RECORDER_H_
#define PARLAB_STORE_STORE_RECORDER_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "parlab/store/store.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::store {

class StoreRecorder {
 public:
  // final_state: asked at the `finished` event: "finished", "cancelled" or "incomplete".
  StoreRecorder(ResultStore* store, std::string run_id, v1::Plan plan,
                std::function<std::string()> final_state)
      : store_(store),
        run_id_(std::move(run_id)),
        plan_(std::move(plan)),
        final_state_(std::move(final_state)) {}

  // Not thread-safe; RunPlan serializes its callbacks.
  void OnEvent(const v1::RunEvent& event);

  const std::string& run_id() const { return run_id_; }
  // OK while every write succeeded; else the first error (it names the store's path).
  const absl::Status& status() const { return status_; }
  // The run was begun and finished in the store without an error.
  bool stored() const { return finished_ && status_.ok(); }

 private:
  void Keep(absl::Status status);

  ResultStore* store_;
  const std::string run_id_;
  const v1::Plan plan_;
  const std::function<std::string()> final_state_;
  absl::Status status_;
  bool begun_ = false;
  bool owns_run_ = false;  // BeginRun succeeded: the run under run_id_ is ours to close
  bool finished_ = false;
};

// A fresh id, "run-20260101T120000-4711" (UTC time, pid), with "-2", "-3"... appended when this
// process already issued that one (a daemon taking two runs in one second).
std::string NewRunId();

}  // namespace parlab::store

#endif  // PARLAB_STORE_STORE_RECORDER_H_
