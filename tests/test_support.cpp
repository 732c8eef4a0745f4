#include "tests/test_support.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mfx::testing {

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/mfx-test-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error(std::strerror(errno));
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Tests make evidence read-only; give write permission back so the folder can be removed.
  for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add, ec);
    }
  }
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ec);
  std::filesystem::remove_all(path_, ec);
}

ProcessTempDir::ProcessTempDir() : owner_(::getpid()), dir_(std::make_unique<TempDir>()) {}

ProcessTempDir::~ProcessTempDir() {
  if (::getpid() != owner_) (void)dir_.release();  // a forked child: leave the parent's folder
}

}  // namespace mfx::testing
