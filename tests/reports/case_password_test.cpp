// No backup password or derived key anywhere in a case built from an encrypted sample: the stock
// grep searches every file of the sealed case for the password (raw, JSON-escaped) and the
// record's derived key (kek_hex, either case).
#include <nlohmann/json.hpp>

#include "parsers/backup/backup.h"
#include "reports/case_folder.h"
#include "reports/seal.h"
#include "tests/reports/case_fixtures.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
using testing::TempDir;
namespace fs = std::filesystem;

// 0 = found, 1 = not found (grep's own codes).
int GrepCase(const fs::path& dir, const fs::path& patterns, std::string* out) {
  return testing::RunCommand("grep -r -a -F -l -f " + testing::ShellQuote(patterns.string()) + " " +
                                 testing::ShellQuote(dir.string()),
                             out);
}

TEST_CASE("no file of a case built from an encrypted backup holds its password or key",
          "[reports][case][secrets]") {
  TempDir tmp;
  const auto sample = testing::LoadSample("ios17-encrypted");
  const std::string password_line = testing::ReadAllText(sample.password_file);
  const std::string password = password_line.substr(0, password_line.find('\n'));
  const std::string kek_hex = sample.record["kek_hex"];
  REQUIRE(password == sample.record["password"].get<std::string>());

  core::SecretBytes secret = core::SecretBytes::FromString(password);
  parsers::backup::OpenOptions oo;
  oo.password = &secret;
  auto backup = parsers::backup::Backup::Open(sample.dir, oo);
  REQUIRE(backup);
  REQUIRE((*backup)->encryption().unlocked);

  const fs::path dir = tmp / "CASE";
  auto folder = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
  REQUIRE(folder);
  (*folder)->GuardSecret(secret);
  RegisterOptions ro;
  ro.progress = core::Progress::Mode::kQuiet;
  auto item = (*folder)->RegisterIngestedBackup(**backup, ro);
  REQUIRE(item);
  REQUIRE((*folder)->RecordEvent(
      "decryption_opened", {{"evidence_id", item->id},
                            {"detail",
                             {{"keybag", "unlocked"},
                              {"classes_unlocked", (*backup)->encryption().classes_unlocked}}}}));
  // The API refuses the password however a caller tries to pass it.
  CHECK_FALSE((*folder)->RecordEvent("note", {{"detail", {{"password", password}}}}));
  CHECK_FALSE((*folder)->RecordEvent("note", {{"detail", {{"text", "typed: " + password}}}}));
  CHECK_FALSE((*folder)->RecordEvent("note", {{"purpose", password}}));
  testing::WriteFakeOutputs(**folder);
  SealOptions so;
  so.progress = core::Progress::Mode::kQuiet;
  so.signing = testing::ExaminerKey();
  REQUIRE(SealCase(**folder, so));
  auto o = testing::TrustingOptions();
  o.record = true;
  REQUIRE(testing::Verify(dir, o).exit_code == 0);
  folder->reset();

  // Every form a password or key could take in a text file.
  std::string escaped = json(password).dump(-1, ' ', /*ensure_ascii=*/true);
  escaped = escaped.substr(1, escaped.size() - 2);
  std::string upper = kek_hex;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const fs::path patterns = tmp / "patterns";
  testing::WriteAllText(patterns, password + "\n" + escaped + "\n" + kek_hex + "\n" + upper + "\n");

  std::string out;
  CHECK(GrepCase(dir, patterns, &out) == 1);
  INFO("files holding a secret:\n" << out);
  CHECK(out.empty());

  // Positive control: the same grep finds a planted copy.
  testing::CopyTree(dir, tmp / "control");
  testing::WriteAllText(tmp / "control" / "exports" / "oops.txt", "key " + upper + "\n");
  CHECK(GrepCase(tmp / "control", patterns, &out) == 0);
  CHECK(out.find("oops.txt") != std::string::npos);
}

}  // namespace
}  // namespace mfx::reports
