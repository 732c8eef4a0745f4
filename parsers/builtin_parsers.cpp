// The one explicit list of parser modules (no static self-registration): adding a parser means
// adding its header and one line here. Order = report order.
#include "parsers/runner.h"

namespace mfx::parsers {

const std::vector<ParserModule>& BuiltinParsers() {
  static const std::vector<ParserModule> kModules = {
  };
  return kModules;
}

}  // namespace mfx::parsers
