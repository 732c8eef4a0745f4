// mfx verify --case DIR [--json] [--trust PEM]… [--evidence ID=DIR]… [--record]
// (CONTRACT.md; CUSTODY.md §5). Exit: 0 all good, 1 integrity, 2 trust, 3 structure — the lowest
// non-zero class of the findings. Bad options exit 64 (EX_USAGE), not 2, so that 2 keeps meaning
// "trust" for scripts.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "reports/verify.h"

namespace mfx::cli {
namespace {

constexpr int kVerifyUsage = 64;

}  // namespace

int VerifyCommand(const std::vector<std::string>& args) {
  po::options_description opts("mfx verify options");
  opts.add_options()("case", po::value<std::string>()->required(), "case folder")(
      "json", "print {\"exit\", \"findings\", \"summary\"} as JSON")(
      "trust", po::value<std::vector<std::string>>()->composing(),
      "PEM file of a lab trust anchor (repeatable); never a file from the case folder")(
      "evidence", po::value<std::vector<std::string>>()->composing(),
      "ID=DIR: check exhibit ID (an ingested backup) at DIR instead of its recorded location")(
      "record", "append `verified` / `verification_failed` to the case's custody log")(
      "threads", po::value<unsigned>()->default_value(0), "hashing threads (0 = all cores)");
  po::positional_options_description pos;
  pos.add("case", 1);
  const std::string usage =
      "usage: mfx verify --case DIR [--json] [--trust PEM] [--evidence ID=DIR] [--record]\n"
      "Re-hashes every file of a sealed case, checks the signature, the custody chain and the\n"
      "exhibits. Exit: 0 nothing changed and signed by a trusted signer; 1 integrity (changed,\n"
      "missing or extra file, broken chain, signature mismatch); 2 trust (unsigned, signer not\n"
      "anchored in --trust); 3 structure (manifest absent or malformed, exhibit unreachable);\n"
      "64 bad options. With several kinds of findings the lowest non-zero code wins.";
  ParsedArgs parsed;
  try {
    parsed = ParseArgs(usage, opts, pos, args);
  } catch (const UsageError& e) {
    std::cerr << "mfx verify: " << e.message << "\n";
    return kVerifyUsage;
  }
  if (parsed.help) return kExitOk;
  const po::variables_map& vm = parsed.vm;
  reports::VerifyOptions options;
  if (vm.count("trust")) {
    for (const auto& t : vm["trust"].as<std::vector<std::string>>()) options.trust.emplace_back(t);
  }
  if (vm.count("evidence")) {
    for (const auto& e : vm["evidence"].as<std::vector<std::string>>()) {
      const auto eq = e.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == e.size()) {
        std::cerr << "mfx verify: --evidence " << e
                  << ": expected ID=DIR (e.g. E-01=/mnt/backup)\n";
        return kVerifyUsage;
      }
      options.evidence[e.substr(0, eq)] = e.substr(eq + 1);
    }
  }
  options.record = vm.count("record") > 0;
  options.threads = vm["threads"].as<unsigned>();
  const bool as_json = vm.count("json") > 0;
  if (as_json) options.progress = core::Progress::Mode::kQuiet;
  auto report = reports::VerifyCase(vm["case"].as<std::string>(), options);
  if (!report) {
    std::cerr << "mfx verify: " << report.error().message << "\n";
    return kVerifyUsage;
  }
  if (as_json) {
    std::cout << reports::VerifyReportToJson(*report).dump(2) << "\n";
  } else {
    std::cout << reports::VerifyReportToText(*report);
  }
  if (!report->record_error.empty()) {
    std::cerr << "mfx verify: --record: " << report->record_error << "\n";
  }
  return report->exit_code;
}

}  // namespace mfx::cli
