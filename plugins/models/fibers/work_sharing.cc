#include "work_sharing.h"

#include <boost/fiber/type.hpp>

namespace parlab::models {

using boost::fibers::context;

void WorkSharing::awakened(context* ctx) noexcept {
  if (ctx->is_context(boost::fibers::type::pinned_context)) {
    local_.push_back(*ctx);
    return;
  }
  ctx->detach();  // from this thread's scheduler; pick_next() attaches it where it runs
  {
    std::lock_guard<std::mutex> lock(queue_->mu);
    queue_->fibers.push_back(ctx);
  }
  queue_->cv.notify_one();
}

context* WorkSharing::pick_next() noexcept {
  {
    std::unique_lock<std::mutex> lock(queue_->mu);
    if (!queue_->fibers.empty()) {
      context* ctx = queue_->fibers.front();
      queue_->fibers.pop_front();
      lock.unlock();
      context::active()->attach(ctx);
      return ctx;
    }
  }
  if (local_.empty()) return nullptr;
  context* ctx = &local_.front();
  local_.pop_front();
  return ctx;
}

bool WorkSharing::has_ready_fibers() const noexcept {
  std::lock_guard<std::mutex> lock(queue_->mu);
  return !queue_->fibers.empty() || !local_.empty();
}

void WorkSharing::suspend_until(const std::chrono::steady_clock::time_point& until) noexcept {
  std::unique_lock<std::mutex> lock(queue_->mu);
  const auto woken = [this] { return notified_ || !queue_->fibers.empty(); };
  if (until == std::chrono::steady_clock::time_point::max()) {
    queue_->cv.wait(lock, woken);
  } else {
    queue_->cv.wait_until(lock, until, woken);
  }
  notified_ = false;
}

void WorkSharing::notify() noexcept {
  {
    std::lock_guard<std::mutex> lock(queue_->mu);
    notified_ = true;
  }
  // notify_all: the one cv is shared, and only this thread must not miss it.
  queue_->cv.notify_all();
}

}  // namespace parlab::models
