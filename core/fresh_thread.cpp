#include "core/fresh_thread.h"

#include <ATen/Parallel.h>

#include <exception>
#include <thread>

namespace grok {

void run_on_fresh_thread(int threads, const std::function<void()>& fn) {
  std::exception_ptr error;
  std::thread([&] {
    try {
      at::set_num_threads(threads);
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
}

}  // namespace grok
