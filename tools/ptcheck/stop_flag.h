// SIGTERM and SIGINT as a request to stop (`ptcheck check`, fuzz, properties, stress): the handler only
// records the signal (async-signal-safe); the long loops poll stop_requested() between items (each
// corpus file, obligation, property case, fuzzer, stress round) and end early, so that the summary and
// every report are still written. A second signal while the first is being honoured kills the process
// as the default action would.
#pragma once

namespace ptc::cli {

// Installs the handlers for SIGTERM and SIGINT (idempotent); a SIGINT ignored at the start stays ignored.
void install_stop_handlers();

// Whether a stop was requested (a signal arrived, or request_stop was called).
bool stop_requested();

// The signal that asked for the stop, 0 if none.
int stop_signal();

// "SIGTERM", "SIGINT", or "" when no stop was requested.
const char* stop_reason();

// What the process exits with when it was stopped and found nothing: 128 + the signal, as shells report
// a process killed by it (130 for SIGINT, 143 for SIGTERM).
int stopped_exit_status();

// For tests, and for code that stops the run itself: as if `signal` had arrived.
void request_stop(int signal);

}  // namespace ptc::cli
