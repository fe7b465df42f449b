#include "log.hpp"

#include "cli_input.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <stdlib.h>
#include <string_view>

namespace omega::cli {

void setup_logging(const std::string& flag) {
  const char* env = std::getenv("OMEGA_LOG_LEVEL");
  const bool from_flag = !flag.empty();
  const std::string text = from_flag ? flag : env != nullptr && *env != '\0' ? std::string(env) : "warn";
  static constexpr std::array<std::string_view, 6> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  static constexpr std::array<spdlog::level::level_enum, 6> kValues = {
      spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
      spdlog::level::warn,  spdlog::level::err,   spdlog::level::off};
  std::size_t i = 0;
  while (i < kLevels.size() && kLevels[i] != text) ++i;
  if (i == kLevels.size())
    throw InputError(fmt::format("{} '{}' is not a log level (trace, debug, info, warn, error, off)",
                                 from_flag ? "--log-level" : "OMEGA_LOG_LEVEL", text));
  if (from_flag) ::setenv("OMEGA_LOG_LEVEL", text.c_str(), 1);  // worker processes log at the same level
  auto logger = spdlog::stderr_logger_st("omega");
  logger->set_pattern("[omega %l] %v");
  logger->set_level(kValues[i]);
  spdlog::set_default_logger(logger);
}

}  // namespace omega::cli
