#include "reports/case_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/crypto.h"
#include "core/folder_env.h"

namespace mfx::reports {

unsigned DefaultThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return std::clamp(n, 1u, 8u);
}

Result<std::vector<TreeEntry>> WalkTree(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(root, ec))) {
    return Fail(ErrorCode::kNotFound, root.string() + ": not a folder");
  }
  std::vector<TreeEntry> out;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) return Fail(ErrorCode::kIo, root.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Fail(ErrorCode::kIo, root.string() + ": walk: " + ec.message());
    const fs::file_status st = it->symlink_status(ec);
    if (ec) return Fail(ErrorCode::kIo, it->path().string() + ": " + ec.message());
    if (fs::is_directory(st)) continue;
    TreeEntry e;
    e.path = it->path().lexically_relative(root).generic_string();
    if (fs::is_symlink(st)) {
      e.kind = TreeEntryKind::kSymlink;
    } else if (fs::is_regular_file(st)) {
      e.kind = TreeEntryKind::kRegular;
      e.size = it->file_size(ec);
      if (ec) e.size = 0;
    } else {
      e.kind = TreeEntryKind::kOther;
    }
    out.push_back(std::move(e));
  }
  if (ec) return Fail(ErrorCode::kIo, root.string() + ": walk: " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
  return out;
}

std::optional<KnownHash> StampHash(const std::filesystem::path& file, std::string sha256) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  KnownHash known;
  known.size = static_cast<uint64_t>(st.st_size);
  known.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  known.sha256.swap(sha256);
  return known;
}

Result<std::vector<FileHash>> HashFiles(const std::filesystem::path& root,
                                        const std::vector<std::string>& paths, unsigned threads,
                                        core::Progress* progress) {
  MFX_ASSIGN_OR_RETURN(auto env, core::FolderEnv::Create(root));
  std::vector<FileHash> out(paths.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    std::vector<uint8_t> buffer(1 << 20);
    core::Hasher hasher(core::HashAlgorithm::kSha256);
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= paths.size()) return;
      FileHash& h = out[i];
      h.path = paths[i];
      if (progress) progress->SetCurrent(h.path);
      auto file = env->Open(h.path);
      if (!file) {
        h.error = file.error().ToString();
        h.missing = file.error().code == ErrorCode::kNotFound;
        if (progress) progress->Add(1, 0);
        continue;
      }
      uint64_t size = 0;
      Status st = core::ForEachChunk(**file, buffer, [&](ByteSpan chunk) -> Status {
        hasher.Update(chunk);
        size += chunk.size();
        if (progress) progress->Add(0, chunk.size());
        return {};
      });
      const std::string hex = hasher.FinishHex();
      if (!st) {
        h.error = st.error().ToString();
      } else {
        h.sha256 = hex;
        h.size = size;
      }
      if (progress) progress->Add(1, 0);
    }
  };
  if (threads == 0) threads = DefaultThreads();
  const unsigned n = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(paths.size())));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return out;
}

std::string Sha256sumLine(std::string_view sha256_hex, std::string_view path) {
  const bool escape = path.find_first_of("\n\r\\") != std::string_view::npos;
  std::string out;
  out.reserve(sha256_hex.size() + path.size() + 4);
  if (escape) out.push_back('\\');
  out.append(sha256_hex);
  out.append("  ");
  if (!escape) {
    out.append(path);
  } else {
    for (char c : path) {
      if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\\')
        out += "\\\\";
      else
        out.push_back(c);
    }
  }
  out.push_back('\n');
  return out;
}

Sha256sumParse ParseSha256sumList(std::string_view text, bool allow_escapes) {
  Sha256sumParse out;
  size_t start = 0;
  size_t line_no = 0;
  auto err = [&](const std::string& why) {
    out.errors.push_back("line " + std::to_string(line_no) + ": " + why);
  };
  while (start < text.size()) {
    ++line_no;
    const size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      err("no final newline");
      break;
    }
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    bool escaped = false;
    if (!line.empty() && line.front() == '\\') {
      if (!allow_escapes) {
        err("escaped name (newline, carriage return or backslash) is not allowed here");
        continue;
      }
      escaped = true;
      line.remove_prefix(1);
    }
    if (line.size() < 67 || line[64] != ' ' || line[65] != ' ') {
      err("not \"<64 hex>  <path>\"");
      continue;
    }
    const std::string_view hex = line.substr(0, 64);
    if (!std::all_of(hex.begin(), hex.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
      err("the hash is not 64 lowercase hex digits");
      continue;
    }
    std::string path;
    const std::string_view raw = line.substr(66);
    if (!escaped) {
      if (raw.find('\r') != std::string_view::npos) {
        err("carriage return in the line");
        continue;
      }
      path = std::string(raw);
    } else {
      bool bad = false;
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
          path.push_back(raw[i]);
          continue;
        }
        if (i + 1 >= raw.size()) {
          bad = true;
          break;
        }
        const char c = raw[++i];
        if (c == 'n')
          path.push_back('\n');
        else if (c == 'r')
          path.push_back('\r');
        else if (c == '\\')
          path.push_back('\\');
        else {
          bad = true;
          break;
        }
      }
      if (bad) {
        err("bad escape in the name");
        continue;
      }
    }
    out.entries.push_back({std::string(hex), std::move(path)});
  }
  return out;
}

std::string UnsafeRelativePath(std::string_view path) {
  if (path.empty()) return "empty path";
  if (path.front() == '/') return "absolute path";
  if (path.find_first_of(std::string_view("\n\r\\\0", 4)) != std::string_view::npos) {
    return "newline, carriage return, backslash or NUL in the name";
  }
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string_view c = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (c.empty()) return "empty path component";
    if (c == "." || c == "..") return "'" + std::string(c) + "' component";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return {};
}

bool IsWithin(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  std::error_code ec;
  const auto a = std::filesystem::weakly_canonical(std::filesystem::absolute(inner, ec), ec);
  const auto b = std::filesystem::weakly_canonical(std::filesystem::absolute(outer, ec), ec);
  const auto rel = a.lexically_relative(b);
  if (rel.empty()) return false;
  return *rel.begin() != "..";
}

}  // namespace mfx::reports
