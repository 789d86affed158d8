#pragma once
// The HTTP side: routes, error replies and the timing of every request, on cpp-httplib.
// Request parsing lives in score_request.hpp, the model in model_holder.hpp, counters in
// metrics.hpp; this file only connects them.

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "metrics.hpp"
#include "model_holder.hpp"
#include "score_reply.hpp"
#include "score_request.hpp"

namespace fraud {

inline nlohmann::json model_info(const served_model& m) {
  return {{"version", m.version},
          {"hash", m.hash},
          {"path", m.path},
          {"backend", scorer::backend},
          {"features", m.names.size()}};
}

inline void reply_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}

/// Reloads and logs the outcome; shared by POST /v1/reload and SIGHUP.
inline model_holder::reload_result reload_and_log(model_holder& holder, metrics& counters,
                                                  const std::string& path, const char* cause) {
  model_holder::reload_result result = holder.reload(path);
  counters.reloaded(result.ok);
  if (result.ok)
    std::fprintf(stderr, "reload (%s): serving %s, version %llu, hash %s\n", cause,
                 result.model->path.c_str(), static_cast<unsigned long long>(result.model->version),
                 result.model->hash.c_str());
  else
    std::fprintf(stderr, "reload (%s) refused: %s; still serving version %llu, hash %s\n", cause,
                 result.error.c_str(), static_cast<unsigned long long>(result.model->version),
                 result.model->hash.c_str());
  return result;
}

class http_routes {
 public:
  /// A reload request may name a model file inside `model_dir` only.
  http_routes(model_holder& holder, metrics& counters, std::size_t max_rows,
              const std::string& model_dir)
      : holder_(holder),
        metrics_(counters),
        max_rows_(max_rows),
        model_dir_(std::filesystem::weakly_canonical(std::filesystem::absolute(model_dir))) {}

  void install(httplib::Server& server) {
    server.Post("/v1/score",
                [this](const httplib::Request& req, httplib::Response& res) { score(req, res); });
    server.Post("/v1/reload",
                [this](const httplib::Request& req, httplib::Response& res) { reload(req, res); });
    server.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      const nlohmann::json health = {{"status", "ok"}, {"model", model_info(*holder_.current())}};
      res.set_content(health.dump(), "application/json");
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_.prometheus(*holder_.current()), "text/plain; version=0.0.4");
    });

    // A worker thread serves one request at a time: its start time can live in the thread.
    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
      started() = std::chrono::steady_clock::now();
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      double seconds = -1;
      if (started()) {
        seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - *started()).count();
        started().reset();
      }
      metrics_.record(route_of(req.path), res.status, seconds);
    });
    // Replies the library makes itself (unknown route, body over the limit, unreadable request)
    // get a JSON body too; replies that have one keep it.
    const httplib::Server::HandlerWithResponse on_error = [](const httplib::Request& req,
                                                             httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string message = "the request could not be read";  // 400, 414, 431: httplib's own
      if (res.status == 404) message = "no route " + req.method + " " + req.path;
      if (res.status == 413) message = "the body is larger than the server accepts";
      reply_error(res, res.status, message);
      return httplib::Server::HandlerResponse::Handled;
    };
    server.set_error_handler(on_error);
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
          std::string message = "internal error";
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            message += std::string(": ") + e.what();
          } catch (...) {
          }
          std::fprintf(stderr, "%s\n", message.c_str());
          reply_error(res, 500, message);
        });
  }

 private:
  static std::optional<std::chrono::steady_clock::time_point>& started() {
    thread_local std::optional<std::chrono::steady_clock::time_point> time;
    return time;
  }

  void score(const httplib::Request& req, httplib::Response& res) {
    // One model for the whole request, even if a reload swaps it meanwhile.
    const std::shared_ptr<const served_model> model = holder_.current();
    score_request request;
    try {
      request = parse_score_request(req.body, *model, max_rows_);
    } catch (const request_error& e) {
      reply_error(res, e.status, e.what());
      return;
    }
    const std::size_t n = request.num_rows;
    const std::size_t width = model->scorer.output_width();
    std::vector<float> scores(n * width);
    if (n > 0) model->scorer.predict(request.values.data(), n, scores.data());
    score_reply reply(*model);
    reply.scores(scores.data(), n, width);
    if (request.explain > 0 && n > 0)
      reply.reasons(model->scorer.contributions(request.values.data(), n), n, request.explain);
    res.set_content(reply.finish(), "application/json");
    metrics_.rows_scored(n);
  }

  void reload(const httplib::Request& req, httplib::Response& res) {
    std::string path;
    if (!req.body.empty()) {
      const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
      const auto model = body.is_object() ? body.find("model") : body.end();
      if (!body.is_object() || body.size() != 1 || model == body.end() || !model->is_string()) {
        reply_error(res, 400, "a reload body is empty or {\"model\": \"path\"}");
        return;
      }
      path = model->get<std::string>();
      if (!inside_model_dir(path)) {
        reply_error(
            res, 403,
            "a reload may name model files inside " + model_dir_.string() + " only (--model-dir)");
        return;
      }
    }
    const model_holder::reload_result result = reload_and_log(holder_, metrics_, path, "request");
    nlohmann::json reply = {{"reloaded", result.ok}, {"model", model_info(*result.model)}};
    if (!result.ok) {
      res.status = 422;  // the request was fine, the file was not
      reply["error"] = result.error;
    }
    res.set_content(reply.dump(), "application/json");
  }

  bool inside_model_dir(const std::string& path) const {
    std::error_code error;
    const std::filesystem::path file =
        std::filesystem::weakly_canonical(std::filesystem::absolute(path), error);
    if (error) return false;
    const auto [dir_end, file_at] =
        std::mismatch(model_dir_.begin(), model_dir_.end(), file.begin(), file.end());
    return dir_end == model_dir_.end() && file_at != file.end();
  }

  model_holder& holder_;
  metrics& metrics_;
  std::size_t max_rows_;
  std::filesystem::path model_dir_;  // canonical
};

}  // namespace fraud
