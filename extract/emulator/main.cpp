// mfx-emulator: an emulated iPhone behind an emulated usbmuxd, for tests of mfx and for running the
// stock libimobiledevice tools against a scripted device.
//
//   mfx-emulator --scenario FILE --state-dir DIR [--socket PATH] [--tcp-port N] [--verbose]
//
// Prints "READY UNIX:<socket path>" on stdout once clients may connect (use it as
// USBMUXD_SOCKET_ADDRESS). SIGTERM / SIGINT stop it cleanly (exit 0), SIGUSR1 writes the record
// (<state-dir>/record.json) without stopping. Nothing is written outside the state folder.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "extract/emulator/emulator.h"
#include "extract/emulator/log.h"
#include "extract/emulator/scenario.h"

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: mfx-emulator --scenario FILE --state-dir DIR [--socket PATH] [--tcp-port N] "
               "[--verbose]\n");
}

}  // namespace

int main(int argc, char** argv) {
  using mfx::extract::emulator::Emulator;
  using mfx::extract::emulator::EmulatorOptions;

  std::string scenario_path;
  EmulatorOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        Usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--scenario") {
      scenario_path = value();
    } else if (arg == "--state-dir") {
      options.state_dir = value();
    } else if (arg == "--socket") {
      options.socket_path = value();
    } else if (arg == "--tcp-port") {
      const std::string port = value();
      char* end = nullptr;
      const long number = std::strtol(port.c_str(), &end, 10);
      if (end == port.c_str() || *end != '\0' || number < 1 || number > 65535) {
        std::fprintf(stderr, "mfx-emulator: --tcp-port wants 1..65535, got '%s'\n", port.c_str());
        return 2;
      }
      options.tcp_port = static_cast<int>(number);
    } else if (arg == "--verbose" || arg == "-v") {
      options.verbose = true;
    } else if (arg == "--help" || arg == "-h") {
      Usage();
      return 0;
    } else {
      std::fprintf(stderr, "mfx-emulator: unknown argument %s\n", arg.c_str());
      Usage();
      return 2;
    }
  }
  if (scenario_path.empty() || options.state_dir.empty()) {
    Usage();
    return 2;
  }

  // Signals are taken by the main thread through a signalfd: block them before any thread exists.
  // Writes to a vanished host must fail with EPIPE, not kill the emulator.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    Emulator emulator(mfx::extract::emulator::LoadScenario(scenario_path), options);
    emulator.Start();
    std::cout << "READY " << emulator.Address() << std::endl;
    emulator.RunUntilSignal();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mfx-emulator: %s\n", e.what());
    return 1;
  }
  return 0;
}
