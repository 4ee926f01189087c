// Internal: anonymous memory that process models' forked children share with the runner (or,
// on purpose, do not), created in a workload's Prepare() before any model forks.
//
//   PARLAB_ASSIGN_OR_RETURN(SharedMapping m, SharedMapping::Create(sizeof(Counts), true));
//   auto* counts = new (m.data()) Counts{};  // MAP_SHARED: children's writes reach the parent
#ifndef PARLAB_WORKLOADS_SRC_SHARED_MAPPING_H_
#define PARLAB_WORKLOADS_SRC_SHARED_MAPPING_H_

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace parlab::workloads {

class SharedMapping {
 public:
  // shared: MAP_SHARED (one copy for every process); else MAP_PRIVATE (copy-on-write after
  // fork: threads still share it, each forked child writes its own copy). Zero-filled.
  [[nodiscard]] static absl::StatusOr<SharedMapping> Create(size_t bytes, bool shared) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      return absl::ResourceExhaustedError(
          absl::StrCat("mmap of ", bytes, " bytes: ", std::strerror(errno)));
    }
    return SharedMapping(p, bytes);
  }

  SharedMapping() = default;
  SharedMapping(SharedMapping&& other) noexcept { *this = std::move(other); }
  SharedMapping& operator=(SharedMapping&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(bytes_, other.bytes_);
    return *this;
  }
  ~SharedMapping() {
    if (data_ != nullptr) munmap(data_, bytes_);
  }

  void* data() const { return data_; }

 private:
  SharedMapping(void* data, size_t bytes) : data_(data), bytes_(bytes) {}
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_SRC_SHARED_MAPPING_H_
