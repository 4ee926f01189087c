#include "parlab/runner/affinity.h"

#include <hwloc.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parlab/common/shared_page.h"

namespace parlab::runner {
namespace {

// One load per process: the runner runs one job, and the topology does not change under it.
absl::StatusOr<hwloc_topology_t> MachineTopology() {
  static const absl::StatusOr<hwloc_topology_t> topology =
      []() -> absl::StatusOr<hwloc_topology_t> {
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0) return absl::InternalError("hwloc: cannot initialize");
    if (hwloc_topology_load(topo) != 0) {
      hwloc_topology_destroy(topo);
      return absl::InternalError("hwloc: cannot read the machine's topology");
    }
    return topo;
  }();
  return topology;
}

// Interleaves the children's orders: the first PU of each child, then the second of each, ...
// so that consecutive units land on different packages, then different cores, then siblings.
std::vector<hwloc_obj_t> ScatterOrder(hwloc_obj_t obj) {
  if (obj->type == HWLOC_OBJ_PU) return {obj};
  std::vector<std::vector<hwloc_obj_t>> parts;
  size_t longest = 0;
  for (unsigned i = 0; i < obj->arity; ++i) {
    parts.push_back(ScatterOrder(obj->children[i]));
    longest = std::max(longest, parts.back().size());
  }
  std::vector<hwloc_obj_t> order;
  for (size_t round = 0; round < longest; ++round) {
    for (const std::vector<hwloc_obj_t>& part : parts) {
      if (round < part.size()) order.push_back(part[round]);
    }
  }
  return order;
}

// The OS indices of the PUs units go to: min(units, PUs) of them, in unit order.
std::vector<int> UnitPus(hwloc_topology_t topo, Affinity affinity, uint32_t units) {
  std::vector<hwloc_obj_t> order;
  if (affinity == Affinity::kScatter) {
    order = ScatterOrder(hwloc_get_root_obj(topo));
  } else {
    // Logical order is topology order: SMT siblings, then cores, then packages.
    hwloc_obj_t pu = nullptr;
    while ((pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, pu)) != nullptr) {
      order.push_back(pu);
    }
  }
  order.resize(std::min<size_t>(order.size(), std::max<uint32_t>(units, 1)));
  std::vector<int> pus;
  for (hwloc_obj_t pu : order) pus.push_back(static_cast<int>(pu->os_index));
  return pus;
}

absl::Status CheckPus(const std::vector<int>& pus) {
  if (pus.empty()) return absl::InternalError("hwloc: the topology has no PU to bind to");
  for (int pu : pus) {
    if (pu < 0 || pu >= CPU_SETSIZE) {
      return absl::InternalError(
          absl::StrCat("job.affinity: PU ", pu, " is beyond the ", CPU_SETSIZE, " CPUs supported"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Affinity> ParseAffinity(absl::string_view value) {
  if (value.empty() || value == "none") return Affinity::kNone;
  if (value == "compact") return Affinity::kCompact;
  if (value == "scatter") return Affinity::kScatter;
  return absl::InvalidArgumentError(
      absl::StrCat("job.affinity: must be one of none, compact, scatter, got \"", value, "\""));
}

const char* AffinityName(Affinity affinity) {
  switch (affinity) {
    case Affinity::kCompact:
      return "compact";
    case Affinity::kScatter:
      return "scatter";
    default:
      return "none";
  }
}

absl::StatusOr<Placement> Placement::Make(Affinity affinity, std::vector<int> pus, bool real) {
  absl::StatusOr<SharedMapping> page = SharedMapping::Create(sizeof(std::atomic<uint64_t>));
  if (!page.ok()) return page.status();
  auto owner = std::make_shared<SharedMapping>(*std::move(page));
  // Aliasing constructor: the counter lives exactly as long as its mapping.
  std::shared_ptr<std::atomic<uint64_t>> calls(owner, owner->Construct<std::atomic<uint64_t>>(0));
  return Placement(affinity, std::move(pus), real, std::move(calls));
}

Placement::Placement(Affinity affinity, std::vector<int> pus, bool real,
                     std::shared_ptr<std::atomic<uint64_t>> bind_calls)
    : affinity_(affinity), pus_(std::move(pus)), real_(real), bind_calls_(std::move(bind_calls)) {
  CPU_ZERO(&all_);
  for (int pu : pus_) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(pu, &set);
    unit_sets_.push_back(set);
    CPU_SET(pu, &all_);
  }
}

absl::StatusOr<Placement> Placement::ForJob(absl::string_view affinity, uint32_t units) {
  absl::StatusOr<Affinity> parsed = ParseAffinity(affinity);
  if (!parsed.ok()) return parsed.status();
  if (*parsed == Affinity::kNone) return Make(Affinity::kNone, {}, true);
  absl::StatusOr<hwloc_topology_t> topo = MachineTopology();
  if (!topo.ok()) return topo.status();
  std::vector<int> pus = UnitPus(*topo, *parsed, units);
  if (absl::Status ok = CheckPus(pus); !ok.ok()) return ok;
  return Make(*parsed, std::move(pus), true);
}

absl::StatusOr<Placement> Placement::ForSynthetic(absl::string_view topology, Affinity affinity,
                                                  uint32_t units) {
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) return absl::InternalError("hwloc: cannot initialize");
  const std::string description(topology);
  if (hwloc_topology_set_synthetic(topo, description.c_str()) != 0 ||
      hwloc_topology_load(topo) != 0) {
    hwloc_topology_destroy(topo);
    return absl::InvalidArgumentError(
        absl::StrCat("hwloc: bad synthetic topology \"", topology, "\""));
  }
  std::vector<int> pus;
  if (affinity != Affinity::kNone) pus = UnitPus(topo, affinity, units);
  hwloc_topology_destroy(topo);
  if (affinity != Affinity::kNone) {
    if (absl::Status ok = CheckPus(pus); !ok.ok()) return ok;
  }
  return Make(affinity, std::move(pus), false);
}

absl::Status Placement::BindProcess() const {
  if (affinity_ == Affinity::kNone || !real_) return absl::OkStatus();
  absl::StatusOr<hwloc_topology_t> topo = MachineTopology();
  if (!topo.ok()) return topo.status();
  hwloc_bitmap_t set = hwloc_bitmap_alloc();
  for (int pu : pus_) hwloc_bitmap_set(set, static_cast<unsigned>(pu));
  const int rc = hwloc_set_cpubind(*topo, set, HWLOC_CPUBIND_PROCESS);
  hwloc_bitmap_free(set);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("job.affinity: cannot bind the runner to PUs ",
                                            absl::StrJoin(pus_, ","), ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

void Placement::BindThreadToAll() const {
  if (affinity_ == Affinity::kNone || !real_) return;
  sched_setaffinity(0, sizeof(all_), &all_);
}

void Placement::BindUnit(uint32_t unit) const {
  if (affinity_ == Affinity::kNone || !real_ || unit_sets_.empty()) return;
  // sched_setaffinity(0) pins the calling thread (in a forked child: the child), as
  // hwloc_set_cpubind(HWLOC_CPUBIND_THREAD) would, but without the allocation hwloc makes:
  // this may run in a child forked from a multi-threaded process, where malloc can deadlock.
  sched_setaffinity(0, sizeof(cpu_set_t), &unit_sets_[unit % unit_sets_.size()]);
  bind_calls_->fetch_add(1);
}

std::string Placement::Describe() const {
  if (affinity_ == Affinity::kNone) return "none";
  return absl::StrCat(AffinityName(affinity_), ": units on PUs ", absl::StrJoin(pus_, ","));
}

}  // namespace parlab::runner
