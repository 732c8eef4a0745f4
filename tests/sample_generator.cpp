#include "tests/sample_generator.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>

#include "core/file_util.h"

namespace mfx::testing {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

int RunCommand(const std::string& command, std::string* output) {
  std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buf{};
  std::string out;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

namespace {
nlohmann::json LoadJson(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return nlohmann::json::parse(in);
}
}  // namespace

GeneratedBackup GenerateBackup(const std::filesystem::path& parent, const std::string& name,
                               const GenerateOptions& o) {
  GeneratedBackup g;
  g.dir = parent / name;
  g.record_path = parent / (name + ".record.json");
  std::string cmd = std::string(MFX_PYTHON) + " " +
                    ShellQuote(std::string(MFX_SOURCE_DIR) + "/samples/generate_backup.py") +
                    " --out " + ShellQuote(g.dir.string()) + " --record " +
                    ShellQuote(g.record_path.string()) + " --style " + o.style + " --seed " +
                    ShellQuote(o.seed);
  if (o.encrypt) {
    g.password_file = parent / (name + ".password");
    std::ofstream(g.password_file) << o.password << "\n";
    cmd += " --encrypt --password-file " + ShellQuote(g.password_file.string()) + " --dpic " +
           std::to_string(o.dpic);
  }
  for (const auto& t : o.traps) cmd += " --trap " + t;
  for (const auto& a : o.extra_args) cmd += " " + ShellQuote(a);
  std::string out;
  if (RunCommand(cmd, &out) != 0) throw std::runtime_error("generator failed: " + cmd + "\n" + out);
  g.record = LoadJson(g.record_path);
  return g;
}

GeneratedBackup LoadSample(const std::string& name) {
  GeneratedBackup g;
  const std::filesystem::path base = std::filesystem::path(MFX_SAMPLES_DIR) / "backups";
  g.dir = base / name;
  g.record_path = base / (name + ".record.json");
  if (std::filesystem::exists(base / (name + ".password"))) g.password_file = base / (name + ".password");
  g.record = LoadJson(g.record_path);
  return g;
}

void CopyTree(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive |
                                      std::filesystem::copy_options::copy_symlinks);
}

std::map<std::string, std::string> HashTree(const std::filesystem::path& root) {
  std::map<std::string, std::string> out;
  for (auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.is_symlink()) continue;
    auto h = core::HashFileHex(e.path());
    out[e.path().lexically_relative(root).generic_string()] = h ? *h : "ERROR " + h.error().message;
  }
  return out;
}

}  // namespace mfx::testing
