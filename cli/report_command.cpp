// mfx report --case DIR [--format …] [--tz ZONE] — regenerates exports and reports from the case
// database (evidence is not opened), records it in the custody log and re-seals the case.
#include <iostream>

#include "cli/case_options.h"
#include "cli/commands.h"
#include "cli/common.h"

namespace mfx::cli {

int ReportCommand(const std::vector<std::string>& args) {
  po::options_description opts("mfx report options");
  opts.add_options()("case", po::value<std::string>()->required(), "case folder");
  AddCaseIdentityOptions(opts);
  AddOutputOptions(opts);
  po::positional_options_description pos;
  auto parsed = ParseArgs(
      "usage: mfx report --case DIR [--format html,pdf,csv,jsonl,case,kml] [--tz ZONE]\n"
      "Regenerates the exports and reports from CASE/artifacts.sqlite; the previous revision moves to\n"
      "CASE/history/r<N>/ and the case is sealed again.",
      opts, pos, args);
  if (parsed.help) return kExitOk;
  std::optional<core::SecretBytes> sign_passphrase;
  auto output_options = OutputOptionsFrom(parsed.vm, sign_passphrase);
  if (!output_options) throw UsageError{output_options.error().message};
  const std::filesystem::path dir = parsed.vm["case"].as<std::string>();
  if (!std::filesystem::exists(dir / "case.json")) {
    return Report(Error{ErrorCode::kNotFound, dir.string() + ": not a case folder (no case.json)"});
  }
  auto folder = reports::CaseFolder::CreateOrOpen(dir, CaseOptionsFrom(parsed.vm));
  if (!folder) return Report(folder.error());
  auto out = reports::WriteOutputsAndSeal(**folder, *output_options);
  if (!out) return Report(out.error());
  PrintOutputs(**folder, *out);
  return kExitOk;
}

}  // namespace mfx::cli
