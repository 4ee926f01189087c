// StackPool: fiber stacks with a guard page, kept for reuse. Mapping a fresh stack per fiber
// (mmap + mprotect + munmap, and page faults on first touch) costs ~10 us, more than many
// tasks; a reused stack costs a mutex. Deallocate() may run on any thread (a fiber ends on
// the thread it last ran on), hence the lock.
//
//   StackPool pool(256 * 1024);  // outlives every fiber that uses it
//   boost::fibers::fiber(std::allocator_arg, PooledStack(&pool), fn).detach();
#ifndef PARLAB_PLUGINS_MODELS_FIBERS_STACK_POOL_H_
#define PARLAB_PLUGINS_MODELS_FIBERS_STACK_POOL_H_

#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <mutex>
#include <vector>

namespace parlab::models {

class StackPool {
 public:
  // Stacks of at least `usable_bytes` (rounded up to pages) plus one guard page.
  explicit StackPool(size_t usable_bytes);
  ~StackPool();  // unmaps every stack; every fiber must have ended
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // A free stack, or a newly mapped one. Throws std::bad_alloc if mapping fails.
  boost::context::stack_context Allocate();
  // Returns a stack from Allocate() to the pool. [thread-safe]
  void Deallocate(const boost::context::stack_context& stack) noexcept;

 private:
  size_t mapped_bytes_;  // one stack, guard page included
  std::mutex mu_;
  std::vector<void*> free_;  // mapping bases of unused stacks
  size_t mapped_ = 0;        // stacks mapped in all, for the destructor's check
};

// The StackAllocator a fiber is created with; the fiber keeps a copy until it ends.
class PooledStack {
 public:
  explicit PooledStack(StackPool* pool) : pool_(pool) {}
  boost::context::stack_context allocate() { return pool_->Allocate(); }
  void deallocate(boost::context::stack_context& stack) noexcept { pool_->Deallocate(stack); }

 private:
  StackPool* pool_;
};

}  // namespace parlab::models

#endif  // PARLAB_PLUGINS_MODELS_FIBERS_STACK_POOL_H_
