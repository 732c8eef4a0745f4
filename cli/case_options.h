#pragma once
// Options shared by the commands that write a case (analyze, report, acquire): examiner identity,
// display zone, report formats and the signing key.

#include <optional>
#include <string>

#include "cli/common.h"
#include "core/timezone.h"
#include "reports/case_folder.h"
#include "reports/case_outputs.h"

namespace mfx::cli {

void AddCaseIdentityOptions(po::options_description& options);
void AddOutputOptions(po::options_description& options);

reports::CaseOptions CaseOptionsFrom(const po::variables_map& vm);

// --tz, --format, --sign-key/--sign-cert/--sign-chain/--sign-passphrase-file. The passphrase, when
// given, is read into `passphrase` (which must outlive the returned options).
Result<reports::OutputOptions> OutputOptionsFrom(const po::variables_map& vm,
                                                 std::optional<core::SecretBytes>& passphrase);

// Prints where the case outputs are and how the seal went.
void PrintOutputs(const reports::CaseFolder& folder, const reports::OutputResult& out);

}  // namespace mfx::cli
