// grove-fraud-service: scores card transactions over HTTP with an XGBoost model.
//
//   grove-fraud-service --model model.json [--port 8080] [--host 127.0.0.1] [options]
//
// Routes: POST /v1/score, POST /v1/reload, GET /healthz, GET /metrics (see README.md, "Serving").
// SIGHUP reloads the model file; SIGINT and SIGTERM stop the server after the requests in flight.

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <thread>

#include "http_routes.hpp"
#include "metrics.hpp"
#include "model_holder.hpp"

namespace {

const char* const usage =
    "usage: grove-fraud-service --model PATH [--port 8080] [--host 127.0.0.1] [options]\n"
    "  --model PATH              XGBoost model (save_model JSON or UBJSON)\n"
    "  --port N                  0 picks a free port; the address is printed on stdout\n"
    "  --host ADDRESS            address to listen on (default 127.0.0.1: this machine only)\n"
    "  --model-dir DIR           reload requests may name model files in DIR only (default: the\n"
    "                            folder of --model)\n"
    "  --threads N               connections served at once (default 64)\n"
    "  --max-rows N              rows per score request (default 1000)\n"
    "  --max-body-bytes N        request body limit (default 1048576)\n"
    "  --read-timeout SECONDS    a client that sends nothing for this long is dropped (default 5)\n"
    "  --write-timeout SECONDS   same for a client that reads nothing (default 5)\n"
    "  --keep-alive-requests N   requests per connection before it is closed (default 100)\n"
    "  --keep-alive-timeout SECONDS  idle time before a kept-alive connection is closed (default "
    "5)\n";

struct options {
  std::string model, model_dir, host = "127.0.0.1";
  int port = 8080;
  std::size_t threads = 64, max_rows = 1000, max_body = 1 << 20, keep_alive_requests = 100;
  double read_timeout = 5, write_timeout = 5, keep_alive_timeout = 5;
};

[[noreturn]] void fail_usage(const std::string& message) {
  std::fprintf(stderr, "grove-fraud-service: %s\n%s", message.c_str(), usage);
  std::exit(2);
}

double number_arg(const std::string& flag, const char* text, double lo, double hi) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (*text == '\0' || *end != '\0' || !(v >= lo && v <= hi))
    fail_usage(flag + " expects a number from " + std::to_string(lo) + " to " + std::to_string(hi) +
               ", got '" + text + "'");
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
    if (i + 1 == argc) fail_usage(flag + " needs a value");
    const char* value = argv[++i];
    const auto count = [&](double lo, double hi) {
      const double v = number_arg(flag, value, lo, hi);
      if (v != std::floor(v)) fail_usage(flag + " expects a whole number");
      return static_cast<std::size_t>(v);
    };
    if (flag == "--model")
      o.model = value;
    else if (flag == "--model-dir")
      o.model_dir = value;
    else if (flag == "--host")
      o.host = value;
    else if (flag == "--port")
      o.port = static_cast<int>(count(0, 65535));
    else if (flag == "--threads")
      o.threads = count(1, 4096);
    else if (flag == "--max-rows")
      o.max_rows = count(1, 1e7);
    else if (flag == "--max-body-bytes")
      o.max_body = count(1, 1e10);
    else if (flag == "--keep-alive-requests")
      o.keep_alive_requests = count(1, 1e9);
    else if (flag == "--read-timeout")
      o.read_timeout = number_arg(flag, value, 0.001, 3600);
    else if (flag == "--write-timeout")
      o.write_timeout = number_arg(flag, value, 0.001, 3600);
    else if (flag == "--keep-alive-timeout")
      o.keep_alive_timeout = number_arg(flag, value, 0, 3600);
    else
      fail_usage("unknown option " + flag);
  }
  if (o.model.empty()) fail_usage("--model is required");
  if (o.model_dir.empty()) o.model_dir = std::filesystem::path(o.model).parent_path().string();
  if (o.model_dir.empty()) o.model_dir = ".";
  return o;
}

/// httplib listens with a backlog of 5 connections (fixed when Debian built the library): under
/// load, clients that reconnect overflow it, and the kernel drops their handshakes, which they
/// retry one and three seconds later. Listening again on the same socket raises the backlog.
class listening_server : public httplib::Server {
 public:
  bool raise_backlog() { return ::listen(svr_sock_, SOMAXCONN) == 0; }
};

/// (seconds, microseconds) for httplib's timeouts.
std::pair<time_t, time_t> split_seconds(double s) {
  const auto whole = static_cast<time_t>(s);
  return {whole, static_cast<time_t>(std::lround((s - static_cast<double>(whole)) * 1e6))};
}

}  // namespace

int main(int argc, char** argv) {
  const options opt = parse(argc, argv);

  // Signals go to one thread that waits for them (sigwait); every other thread, including
  // those the libraries start, inherits this mask and never sees them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<fraud::model_holder> holder;
  try {
    holder = std::make_unique<fraud::model_holder>(opt.model);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-fraud-service: %s\n", e.what());
    return 1;
  }
  fraud::metrics counters;

  listening_server server;
  const std::size_t threads = opt.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(opt.max_body);
  const auto [read_s, read_us] = split_seconds(opt.read_timeout);
  const auto [write_s, write_us] = split_seconds(opt.write_timeout);
  server.set_read_timeout(read_s, read_us);
  server.set_write_timeout(write_s, write_us);
  server.set_tcp_nodelay(true);  // a reply's header and body leave at once (no Nagle wait)
  server.set_keep_alive_max_count(opt.keep_alive_requests);
  server.set_keep_alive_timeout(static_cast<time_t>(std::ceil(opt.keep_alive_timeout)));
  fraud::http_routes routes(*holder, counters, opt.max_rows, opt.model_dir);
  routes.install(server);

  int port = opt.port;
  const bool bound = port == 0 ? (port = server.bind_to_any_port(opt.host)) > 0
                               : server.bind_to_port(opt.host, port);
  if (bound && !server.raise_backlog()) {
    std::fprintf(stderr, "grove-fraud-service: cannot set the listen backlog\n");
    return 1;
  }
  if (!bound) {
    std::fprintf(stderr, "grove-fraud-service: cannot listen on %s:%d\n", opt.host.c_str(),
                 opt.port);
    return 1;
  }

  std::atomic<bool> listen_returned{false}, stopping{false};
  std::thread signal_thread([&] {
    for (;;) {
      int s = 0;
      if (sigwait(&signals, &s) != 0) continue;
      if (s == SIGHUP) {
        fraud::reload_and_log(*holder, counters, {}, "SIGHUP");
        continue;
      }
      stopping = true;
      // stop() does nothing until listen_after_bind() has started: repeat until it returned.
      while (!listen_returned) {
        server.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return;
    }
  });

  std::printf("listening on http://%s:%d\n", opt.host.c_str(), port);
  std::fflush(stdout);
  {
    const std::shared_ptr<const fraud::served_model> model = holder->current();
    std::fprintf(stderr, "serving %s (%zu features%s, hash %s) with %s\n", model->path.c_str(),
                 model->names.size(), model->scorer.feature_names().empty() ? " f0.." : ", named",
                 model->hash.c_str(), fraud::scorer::backend);
  }

  const bool clean = server.listen_after_bind();
  listen_returned = true;
  if (!stopping) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  std::fprintf(stderr, "stopped\n");
  return clean || stopping ? 0 : 1;
}
