// The LeakSanitizer suppressions (cli/lsan_suppressions.cpp, built into mfx and into this
// binary, see tests/reports/CMakeLists.txt) name system libraries only, never mfx code.

#include <catch2/catch.hpp>

#include <cstring>

extern "C" const char* __lsan_default_suppressions();

TEST_CASE("PDF tests: the LeakSanitizer suppressions name system libraries only", "[reports][pdf]") {
  const char* s = __lsan_default_suppressions();
  CHECK(std::strstr(s, "mfx") == nullptr);
  CHECK(std::strstr(s, "reports") == nullptr);
}
