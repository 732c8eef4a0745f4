#pragma once
// One entry point per top-level command; each takes the arguments after its name and returns the
// process exit status. Bad options throw UsageError.

#include <string>
#include <vector>

namespace mfx::cli {

int BackupCommand(const std::vector<std::string>& args);

}  // namespace mfx::cli
