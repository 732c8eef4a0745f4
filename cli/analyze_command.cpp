// mfx analyze — being built (see the open issue); until then it says so instead of pretending.
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"

namespace mfx::cli {

int AnalyzeCommand(const std::vector<std::string>&) {
  std::cerr << "mfx analyze: not available in this build yet\n";
  return kExitFailure;
}

}  // namespace mfx::cli
