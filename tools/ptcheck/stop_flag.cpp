#include "tools/ptcheck/stop_flag.h"

#include <atomic>
#include <csignal>

namespace ptc::cli {

namespace {

// Lock-free, so that the handler may store to it (a plain sig_atomic_t would not be seen by other threads
// in a defined way).
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, sig)) {
    // Asked twice: the first request is still being honoured; the second one is not to be ignored.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

}  // namespace

void install_stop_handlers() {
  struct sigaction sa = {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // a read or a wait in progress goes on; the loops poll the flag
  sigaction(SIGTERM, &sa, nullptr);
  // A SIGINT ignored from the start stays ignored (a background job of a shell script, nohup): the
  // convention that lets a terminal's Ctrl-C spare what was started in the background.
  struct sigaction old = {};
  if (sigaction(SIGINT, nullptr, &old) == 0 && old.sa_handler != SIG_IGN) sigaction(SIGINT, &sa, nullptr);
}

bool stop_requested() { return g_signal.load(std::memory_order_relaxed) != 0; }

int stop_signal() { return g_signal.load(std::memory_order_relaxed); }

const char* stop_reason() {
  switch (stop_signal()) {
    case 0: return "";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
  }
  return "signal";
}

int stopped_exit_status() { return 128 + stop_signal(); }

void request_stop(int signal) {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal);
}

}  // namespace ptc::cli
