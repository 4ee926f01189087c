// ChildTable: the processes model's fork()ed children, at most `capacity` alive, each in a
// numbered slot. A new child takes the lowest free slot, and the slot number is its execution
// unit (bind_unit), so live units stay below capacity and fill the lowest PUs first.
//
// Everything the parent writes per child lives in ONE MAP_SHARED mapping made before the first
// fork(). fork() write-protects every private page of the parent, so every private page the
// parent then writes before the next fork() (a vector of children, a map of units, malloc's
// own state) costs it a copy-on-write fault and a page copy: ~20 µs of a ~80 µs fork, measured
// (docs/performance.md, "Creation cost"). Shared pages are never copied on write. The same
// mapping carries each child's report back, so the only per-child kernel object is a pidfd,
// which polls readable when the child ends (one syscall; a pipe costs three).
//
//   ChildTable<Report> children;
//   if (int err = children.Init(capacity); err != 0) ...;  // errno of mmap()
//   children.Spawn(/*tag=*/i, [&](uint32_t slot, Report& report) { report.status = ...; });
//   while (children.size() > 0)
//     children.WaitSome(/*timeout_ms=*/20, [&](const ChildTable<Report>::Exit& e) { ... });
//
// A child ends with _exit() and never returns into the caller; the destructor SIGKILLs and
// reaps whatever is left, so no zombie outlives the table. Not thread-safe.
#ifndef PARLAB_PLUGINS_MODELS_PROCESSES_CHILD_TABLE_H_
#define PARLAB_PLUGINS_MODELS_PROCESSES_CHILD_TABLE_H_

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <type_traits>

#include "parlab/common/shared_page.h"

namespace parlab::models {

template <typename Report>
class ChildTable {
  static_assert(std::is_trivially_copyable_v<Report>, "reports cross processes as bytes");

 public:
  // A child that ended and was reaped. `report` points into the table and stays valid until
  // the callback returns; nullptr when the child ended without completing one.
  struct Exit {
    uint64_t tag;     // what the caller passed to Spawn()
    uint32_t slot;    // the child's slot (= execution unit)
    int wait_status;  // as from waitpid()
    const Report* report;
  };

  ChildTable() = default;
  ChildTable(const ChildTable&) = delete;
  ChildTable& operator=(const ChildTable&) = delete;
  ~ChildTable() { KillAll(); }  // before map_ unmaps the table

  // Maps room for `capacity` (>= 1) children. Returns 0 or the errno of mmap().
  int Init(uint32_t capacity) {
    const size_t bytes =
        sizeof(Header) + capacity * (sizeof(Slot) + sizeof(uint32_t) * 2 + sizeof(pollfd));
    int error = 0;
    SharedMapping map = SharedMapping::Map(bytes, /*shared=*/true, &error);
    if (error != 0) return error;
    map_ = std::move(map);
    // Largest alignment first; a fresh mapping is zero-filled, which is a free Slot.
    auto* header = map_.Construct<Header>();
    slots_ = reinterpret_cast<Slot*>(header + 1);
    polls_ = reinterpret_cast<pollfd*>(slots_ + capacity);
    live_ = reinterpret_cast<uint32_t*>(polls_ + capacity);
    free_ = live_ + capacity;
    header_ = header;
    header_->capacity = capacity;
    header_->free_count = capacity;
    for (uint32_t s = 0; s < capacity; ++s) free_[s] = s;  // ascending: already a min-heap
    return 0;
  }

  uint32_t size() const { return header_ == nullptr ? 0 : header_->live_count; }

  // Forks a child in the lowest free slot; it runs body(slot, report) and _exit(0)s, its
  // report counted as written when body returns. Returns 0, EAGAIN when every slot is taken,
  // or the errno of the failed fork()/pidfd_open().
  template <typename Body>
  int Spawn(uint64_t tag, Body&& body) {
    if (header_->free_count == 0) return EAGAIN;
    std::pop_heap(free_, free_ + header_->free_count, std::greater<>());
    const uint32_t s = free_[--header_->free_count];
    Slot& slot = slots_[s];
    Reported(slot).store(0, std::memory_order_relaxed);
    const pid_t pid = fork();
    if (pid < 0) {
      const int err = errno;
      Free(s);
      return err;
    }
    if (pid == 0) {
      try {
        body(s, slot.report);
        Reported(slot).store(1, std::memory_order_release);
      } catch (...) {
        // Nothing reported: the parent sees a child that ended without a result.
      }
      _exit(0);
    }
    const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) {
      const int err = errno;
      kill(pid, SIGKILL);
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      Free(s);
      return err;
    }
    slot.pid = pid;
    slot.fd = fd;
    slot.tag = tag;
    live_[header_->live_count++] = s;
    return 0;
  }

  // Waits up to `timeout_ms` for children to end; reaps each that did and calls
  // on_exit(const Exit&) for it.
  template <typename OnExit>
  void WaitSome(int timeout_ms, OnExit&& on_exit) {
    const uint32_t n = header_->live_count;
    for (uint32_t i = 0; i < n; ++i) polls_[i] = pollfd{slots_[live_[i]].fd, POLLIN, 0};
    if (poll(polls_, n, timeout_ms) <= 0) return;  // timeout or EINTR
    // Backwards, so that moving the last live entry into a reaped one's place skips nothing.
    for (uint32_t i = n; i-- > 0;) {
      if (polls_[i].revents == 0) continue;
      const uint32_t s = live_[i];
      live_[i] = live_[--header_->live_count];
      Slot& slot = slots_[s];
      const int status = Reap(slot);
      const bool reported = Reported(slot).load(std::memory_order_acquire) != 0;
      on_exit(Exit{slot.tag, s, status, reported ? &slot.report : nullptr});
      Free(s);
    }
  }

  // SIGKILLs and reaps every child still alive (their results are dropped).
  void KillAll() {
    if (header_ == nullptr) return;
    const uint32_t n = header_->live_count;
    for (uint32_t i = 0; i < n; ++i) kill(slots_[live_[i]].pid, SIGKILL);
    for (uint32_t i = 0; i < n; ++i) {
      Reap(slots_[live_[i]]);
      Free(live_[i]);
    }
    header_->live_count = 0;
  }

 private:
  struct alignas(16) Header {  // keeps the Slots after it aligned
    uint32_t capacity = 0, live_count = 0, free_count = 0;
  };
  struct Slot {
    pid_t pid;
    int fd;  // pidfd: readable once the child ended
    uint64_t tag;
    uint32_t reported;  // set by the child, through std::atomic_ref
    Report report;
  };

  static_assert(alignof(Slot) <= alignof(Header), "Slots follow the Header in the mapping");

  static std::atomic_ref<uint32_t> Reported(Slot& slot) {
    return std::atomic_ref<uint32_t>(slot.reported);
  }

  void Free(uint32_t s) {
    free_[header_->free_count++] = s;
    std::push_heap(free_, free_ + header_->free_count, std::greater<>());
  }

  static int Reap(Slot& slot) {
    close(slot.fd);
    int status = 0;
    while (waitpid(slot.pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  }

  SharedMapping map_;
  // Into map_; only these pointers live in private memory, and they never change after Init().
  Header* header_ = nullptr;
  Slot* slots_ = nullptr;
  pollfd* polls_ = nullptr;
  uint32_t* live_ = nullptr;  // slots of the live children, densely packed
  uint32_t* free_ = nullptr;  // min-heap of the free slots
};

}  // namespace parlab::models

#endif  // PARLAB_PLUGINS_MODELS_PROCESSES_CHILD_TABLE_H_
