// Placement of a job's execution units on the machine's PUs (Job.affinity), through hwloc.
//
// "compact" gives unit i the i-th PU in topology order (a core's SMT siblings, then the next
// core, then the next package); "scatter" spreads units round-robin over packages first, then
// cores, then PUs. With `units` units the list holds min(units, PUs) PUs and unit u runs on
// list[u % size]. The whole runner is bound to the union of the list before run(), so a model
// that never calls bind_unit still stays inside it; "none" binds nothing.
//
//   PARLAB_ASSIGN_OR_RETURN(Placement placement, Placement::ForJob("compact", 4));
//   PARLAB_RETURN_IF_ERROR(placement.BindProcess());
//   placement.BindUnit(2);  // on a model's third thread: pinned to placement.pus()[2 % size]
#ifndef PARLAB_RUNNER_AFFINITY_H_
#define PARLAB_RUNNER_AFFINITY_H_

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parlab::runner {

enum class Affinity { kNone, kCompact, kScatter };

// "" and "none" -> kNone, "compact", "scatter"; anything else is an error naming job.affinity.
[[nodiscard]] absl::StatusOr<Affinity> ParseAffinity(absl::string_view value);
const char* AffinityName(Affinity affinity);

class Placement {
 public:
  // For this machine; its hwloc topology is loaded once per process.
  [[nodiscard]] static absl::StatusOr<Placement> ForJob(absl::string_view affinity, uint32_t units);
  // For a synthetic hwloc topology such as "pack:2 core:2 pu:2" (tests: PUs are numbered in
  // topology order). Such a placement can be inspected but binds nothing.
  [[nodiscard]] static absl::StatusOr<Placement> ForSynthetic(absl::string_view topology,
                                                              Affinity affinity, uint32_t units);

  Affinity affinity() const { return affinity_; }
  // OS indices of the PUs, in unit order; empty under kNone.
  const std::vector<int>& pus() const { return pus_; }

  // Binds every thread of this process to the union of pus(). No-op under kNone.
  [[nodiscard]] absl::Status BindProcess() const;
  // Binds the calling thread back to the union (a model may have pinned the runner's main
  // thread as one of its units). No-op under kNone.
  void BindThreadToAll() const;
  // [thread-safe, fork-safe: one sched_setaffinity, no allocation] Pins the calling thread to
  // pus()[unit % size] and counts the call. No-op under kNone.
  void BindUnit(uint32_t unit) const;
  // bind_unit calls so far, by this process and its forked children.
  uint64_t bind_calls() const { return bind_calls_ != nullptr ? bind_calls_->load() : 0; }

  // "compact: 2 units on PUs 0,1" / "none".
  std::string Describe() const;

 private:
  // Maps the shared bind_calls counter; fails only if that mapping fails.
  [[nodiscard]] static absl::StatusOr<Placement> Make(Affinity affinity, std::vector<int> pus,
                                                      bool real);
  Placement(Affinity affinity, std::vector<int> pus, bool real,
            std::shared_ptr<std::atomic<uint64_t>> bind_calls);

  Affinity affinity_ = Affinity::kNone;
  std::vector<int> pus_;
  bool real_ = false;  // a placement on this machine (binding allowed), not a synthetic one
  std::vector<cpu_set_t> unit_sets_;
  cpu_set_t all_{};
  // In a MAP_SHARED page (a SharedMapping that copies of the Placement share), so that binds in
  // forked children count too.
  std::shared_ptr<std::atomic<uint64_t>> bind_calls_;
};

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_AFFINITY_H_
