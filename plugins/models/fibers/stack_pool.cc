#include "stack_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace parlab::models {
namespace {

size_t PageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

}  // namespace

StackPool::StackPool(size_t usable_bytes) {
  const size_t page = PageSize();
  mapped_bytes_ = ((usable_bytes + page - 1) / page + 1) * page;
}

StackPool::~StackPool() {
  // A stack still in use here would be a fiber outliving its run: leak it rather than unmap
  // memory something may still run on.
  if (free_.size() != mapped_) return;
  for (void* base : free_) munmap(base, mapped_bytes_);
}

boost::context::stack_context StackPool::Allocate() {
  void* base = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      base = free_.back();
      free_.pop_back();
    }
  }
  if (base == nullptr) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.reserve(mapped_ + 1);  // room for every stack: Deallocate() never allocates
      ++mapped_;
    }
    base = mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    // The lowest page is the guard: the stack grows down into it and faults.
    if (base != MAP_FAILED && mprotect(base, PageSize(), PROT_NONE) != 0) {
      munmap(base, mapped_bytes_);
      base = MAP_FAILED;
    }
    if (base == MAP_FAILED) {
      std::lock_guard<std::mutex> lock(mu_);
      --mapped_;
      throw std::bad_alloc();
    }
  }
  boost::context::stack_context stack;
  stack.size = mapped_bytes_;
  stack.sp = static_cast<char*>(base) + mapped_bytes_;
  return stack;
}

void StackPool::Deallocate(const boost::context::stack_context& stack) noexcept {
  void* base = static_cast<char*>(stack.sp) - stack.size;
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(base);  // capacity reserved by Allocate()
}

}  // namespace parlab::models
