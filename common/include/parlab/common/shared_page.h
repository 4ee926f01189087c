// SharedMapping: anonymous memory that a fork()ed child shares with its parent (MAP_SHARED) or,
// on purpose, gets its own copy-on-write copy of (MAP_PRIVATE). It carries what process
// models' children report back: the runner's completion counter, bind_unit's call count,
// workloads' stamps and sums, process models' child tables. The one owner of such an mmap in
// parlab: it unmaps in its destructor, and reports mmap's errno instead of throwing.
//
//   PARLAB_ASSIGN_OR_RETURN(SharedMapping page, SharedMapping::Create(sizeof(Counts)));
//   Counts* counts = page.Construct<Counts>();  // zero-filled memory, placement-new'd
//
// Model plugins link neither parlab_common nor Abseil: the runner links Abseil statically so
// that fork() copies few mappings, and a plugin that pulled Abseil's shared objects back in
// would undo that. So this header is header-only and its core, Map(), needs no Abseil; they
// call Map(). Create() is the same mapping as an absl::StatusOr for code that links Abseil
// (the runner, the workload library). A plugin that called Create() would fail to link
// (-Wl,--no-undefined), not load wrongly: Create() is inline and costs nothing unless called.
#ifndef PARLAB_COMMON_SHARED_PAGE_H_
#define PARLAB_COMMON_SHARED_PAGE_H_

#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace parlab {

class SharedMapping {
 public:
  // Maps `bytes` (> 0) zero-filled bytes, read-write. `shared`: MAP_SHARED, one copy that every
  // forked child writes through; else MAP_PRIVATE: threads share it, each forked child writes
  // its own copy. On failure returns an empty mapping and stores mmap()'s errno in `*error`
  // (0 on success).
  [[nodiscard]] static SharedMapping Map(size_t bytes, bool shared, int* error) noexcept {
    void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED) {
      *error = errno;
      return SharedMapping();
    }
    *error = 0;
    return SharedMapping(data, bytes);
  }

  // Map() for callers that link Abseil. The error reads "mmap of 64 bytes: Cannot allocate
  // memory" (ResourceExhausted).
  [[nodiscard]] static absl::StatusOr<SharedMapping> Create(size_t bytes, bool shared = true) {
    int error = 0;
    SharedMapping mapping = Map(bytes, shared, &error);
    if (error != 0) {
      return absl::ResourceExhaustedError("mmap of " + std::to_string(bytes) +
                                          " bytes: " + std::strerror(error));
    }
    return mapping;
  }

  SharedMapping() = default;
  SharedMapping(SharedMapping&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  SharedMapping& operator=(SharedMapping&& other) noexcept {
    std::swap(data_, other.data_);  // `other` unmaps what this held
    std::swap(bytes_, other.bytes_);
    return *this;
  }
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  ~SharedMapping() {
    if (data_ != nullptr) munmap(data_, bytes_);
  }

  void* data() const { return data_; }
  size_t size() const { return bytes_; }

  // Placement-news one T (Construct) or `count` T's (ConstructArray) at the start of the
  // mapping and returns the first; nullptr if they do not fit. T must be trivially destructible
  // (the mapping is unmapped, never destroyed). Across fork(), only lock-free atomics and plain
  // data keep working: no mutexes, no pointers into private memory.
  template <typename T, typename... Args>
  T* Construct(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "a mapping is unmapped, not destroyed");
    if (data_ == nullptr || sizeof(T) > bytes_) return nullptr;
    return new (data_) T(std::forward<Args>(args)...);
  }
  template <typename T, typename... Args>
  T* ConstructArray(size_t count, const Args&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "a mapping is unmapped, not destroyed");
    if (data_ == nullptr || count > bytes_ / sizeof(T)) return nullptr;
    T* first = static_cast<T*>(data_);
    for (size_t i = 0; i < count; ++i) new (first + i) T(args...);
    return first;
  }

 private:
  SharedMapping(void* data, size_t bytes) : data_(data), bytes_(bytes) {}

  void* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace parlab

#endif  // PARLAB_COMMON_SHARED_PAGE_H_
