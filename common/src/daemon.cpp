#include "wk/daemon.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include "wk/log.hpp"

#ifndef WK_VERSION
#define WK_VERSION "0.1.0"
#endif

namespace wk {

namespace {

struct CliOptions {
  std::optional<std::string> config;
  std::optional<std::string> logLevel;
  bool check = false;
  bool version = false;
  bool help = false;
  const DaemonCommand* command = nullptr;
};

void printHelp(const DaemonSpec& spec) {
  std::printf("%s — %s\n\n", spec.name.c_str(), spec.summary.c_str());
  std::printf("usage: %s [--config FILE] [--check-config] [--log-level LEVEL]\n\n",
              spec.name.c_str());
  std::printf(
      "  --config FILE      run with this TOML config (default: the built-in one,\n"
      "                     loopback and unprivileged ports)\n");
  std::printf("  --check-config     validate the config, print FILE:LINE:COL errors, exit\n");
  std::printf("  --log-level LEVEL  trace|debug|info|warn|error (overrides [log] level)\n");
  for (const auto& c : spec.commands) {
    std::printf("  %-18s %s\n", c.flag.c_str(), c.help.c_str());
  }
  std::printf("  --version          print the version\n  --help             this text\n\n");
  std::printf("Signals: SIGTERM/SIGINT stop gracefully; SIGHUP reloads the config.\n");
}

// Returns an exit code when parsing ends the program, nullopt to go on.
std::optional<int> parseArgs(const DaemonSpec& spec, int argc, char** argv, CliOptions& out) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inlineValue;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      inlineValue = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inlineValue) return inlineValue;
      if (i + 1 < argc) return std::string(argv[++i]);
      std::fprintf(stderr, "%s: %s needs a value\n", spec.name.c_str(), arg.c_str());
      return std::nullopt;
    };
    if (arg == "--config" || arg == "-c") {
      out.config = value();
      if (!out.config) return 2;
    } else if (arg == "--log-level") {
      out.logLevel = value();
      if (!out.logLevel) return 2;
      if (!log::validLevel(*out.logLevel)) {
        std::fprintf(stderr, "%s: --log-level must be trace, debug, info, warn or error\n",
                     spec.name.c_str());
        return 2;
      }
    } else if (arg == "--check-config") {
      out.check = true;
    } else if (arg == "--version") {
      out.version = true;
    } else if (arg == "--help" || arg == "-h") {
      out.help = true;
    } else {
      const DaemonCommand* found = nullptr;
      for (const auto& c : spec.commands) {
        if (c.flag == arg) found = &c;
      }
      if (!found) {
        std::fprintf(stderr, "%s: unknown option '%s' (see --help)\n", spec.name.c_str(),
                     arg.c_str());
        return 2;
      }
      out.command = found;
    }
  }
  return std::nullopt;
}

config::Document readConfig(const DaemonSpec& spec, const CliOptions& cli) {
  if (cli.config) return config::Document::fromFile(*cli.config);
  return config::Document::fromString(spec.defaultConfig, "<built-in config>");
}

// Parses and validates everything: the shared keys, the daemon's keys, unknown keys.
config::CommonConfig validate(const DaemonSpec& spec, config::Document& doc) {
  auto root = doc.root();
  auto common = config::CommonConfig::load(root);
  try {
    if (spec.check) spec.check(root);
  } catch (const config::Errors&) {
    throw;
  } catch (const std::exception& e) {
    doc.errors().push_back(config::Error{doc.sourceName(), 0, 0, e.what()});
  }
  doc.finish();
  return common;
}

void printErrors(const config::Errors& errors) {
  for (const auto& e : errors.errors()) std::fprintf(stderr, "%s\n", e.toString().c_str());
}

}  // namespace

void logListening(std::string_view proto, const std::string& endpoint) {
  spdlog::info("listening {} {}", proto, endpoint);
}

int runDaemon(const DaemonSpec& spec, int argc, char** argv) {
  CliOptions cli;
  if (auto code = parseArgs(spec, argc, argv, cli)) return *code;
  if (cli.help) {
    printHelp(spec);
    return 0;
  }
  if (cli.version) {
    std::printf("%s (wellknown) %s\n", spec.name.c_str(), WK_VERSION);
    return 0;
  }

  // One parse serves validation and start-up, so what starts is exactly what was checked.
  std::optional<config::Document> doc;
  config::CommonConfig common;
  try {
    doc.emplace(readConfig(spec, cli));
    common = validate(spec, *doc);
  } catch (const config::Errors& errors) {
    printErrors(errors);
    return 1;
  }
  if (cli.check) {
    std::printf("%s: %s: ok\n", spec.name.c_str(),
                cli.config ? cli.config->c_str() : "<built-in config>");
    return 0;
  }

  log::init(cli.logLevel.value_or(common.logLevel), common.logFormat);

  try {
    if (cli.command) return cli.command->run(doc->root());

    Runtime runtime(common.threads, common.shutdownTimeout);
    std::unique_ptr<Service> service = spec.create(runtime, doc->root());
    doc.reset();
    spdlog::info("{} {} starting with {} thread(s), config {}", spec.name, WK_VERSION,
                 runtime.threadCount(), cli.config.value_or("<built-in config>"));
    service->start();

    runtime.onReload([&spec, &cli, &service] {
      // The file is read once: the version validated is the version applied, even if
      // it changes again while we reload.
      std::optional<config::Document> next;
      try {
        next.emplace(readConfig(spec, cli));
        auto reloaded = validate(spec, *next);
        if (!cli.logLevel) log::setLevel(reloaded.logLevel);
      } catch (const config::Errors& errors) {
        for (const auto& e : errors.errors()) spdlog::error("reload refused: {}", e.toString());
        spdlog::error("reload refused: keeping the running configuration");
        return;
      }
      try {
        service->reload(next->root());
        spdlog::info("reloaded {}", cli.config.value_or("<built-in config>"));
      } catch (const std::exception& e) {
        spdlog::error("reload failed, keeping the running state: {}", e.what());
      }
    });
    int code = runtime.run();
    service.reset();  // sockets go before the io_contexts that own them
    return code;
  } catch (const config::Errors& errors) {
    printErrors(errors);
    return 1;
  } catch (const std::exception& e) {
    spdlog::critical("{}: {}", spec.name, e.what());
    return 1;
  }
}

}  // namespace wk
