#include "reports/backup_export.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "core/crypto.h"
#include "core/direct_io.h"
#include "core/file_util.h"

namespace mfx::reports {
namespace {

using parsers::backup::Backup;
using parsers::backup::EntryKind;
using parsers::backup::ManifestEntry;

constexpr size_t kMaxComponent = 255;

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

std::string ComponentProblem(std::string_view c) {
  if (c.empty()) return "empty path component";
  if (c == ".") return "'.' component";
  if (c == "..") return "'..' component";
  if (c.size() > kMaxComponent) return "component longer than 255 bytes";
  if (c.find('\0') != std::string_view::npos) return "NUL byte";
  return {};
}

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Opens (creating as needed) the directory DEST/components[0..n) without following symlinks.
Result<int> OpenDirs(int root_fd, const std::vector<std::string>& components, size_t n) {
  int fd = ::dup(root_fd);
  if (fd < 0) return Fail(ErrorCode::kIo, std::string("dup: ") + std::strerror(errno));
  for (size_t i = 0; i < n; ++i) {
    const char* c = components[i].c_str();
    if (::mkdirat(fd, c, 0755) != 0 && errno != EEXIST) {
      const int err = errno;
      ::close(fd);
      return Fail(ErrorCode::kIo, components[i] + ": mkdir: " + std::strerror(err));
    }
    const int next = ::openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int err = errno;
    ::close(fd);
    if (next < 0) {
      return Fail(err == ELOOP || err == ENOTDIR ? ErrorCode::kUnsafePath : ErrorCode::kIo,
                  components[i] + ": " + std::strerror(err));
    }
    fd = next;
  }
  return fd;
}

struct Job {
  const ManifestEntry* entry;
  std::vector<std::string> components;  // relative to DEST
  std::string refused_reason;            // non-empty when sent to the unsafe folder
};

std::string Join(const std::vector<std::string>& c) {
  std::string out;
  for (const auto& s : c) out += (out.empty() ? "" : "/") + s;
  return out;
}

constexpr uint64_t kDirectMinSize = 4u << 20;
constexpr size_t kChunk = 1u << 20;

// A worker's second hand: writes one chunk while the worker reads, decrypts and hashes the next
// into its other buffer, so neither the cores nor the disk wait for each other (with synchronous
// direct writes, two workers kept the disk and the cores each about 65 % busy).
class BackgroundWriter {
 public:
  BackgroundWriter() : thread_([this] { Run(); }) {}
  ~BackgroundWriter() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Waits for the write in flight (returning its error, if any), then starts this one. `data`
  // must stay untouched until the next Submit or Wait returns.
  Status Submit(core::DirectWriter& writer, ByteSpan data, const std::string& name) {
    MFX_RETURN_IF_ERROR(Wait());
    {
      std::lock_guard lock(mu_);
      job_ = Job{&writer, data, &name};
      busy_ = true;
    }
    cv_.notify_all();
    return {};
  }

  // Waits for the write in flight; its status.
  Status Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !busy_; });
    return std::exchange(status_, Status{});
  }

 private:
  struct Job {
    core::DirectWriter* writer = nullptr;
    ByteSpan data;
    const std::string* name = nullptr;
  };
  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return busy_ || stop_; });
      if (!busy_) return;
      const Job job = job_;
      lock.unlock();
      Status st = job.writer->Write(job.data, *job.name);
      lock.lock();
      if (status_ && !st) status_ = std::move(st);
      busy_ = false;
      cv_.notify_all();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  Job job_;
  bool busy_ = false;
  bool stop_ = false;
  Status status_;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace

std::string UnsafePathReason(std::string_view domain, std::string_view relative_path) {
  if (domain.find('/') != std::string_view::npos) return "domain contains '/'";
  if (auto p = ComponentProblem(domain); !p.empty()) return "domain: " + p;
  if (relative_path.starts_with('/')) return "absolute path";
  if (relative_path.empty()) return "empty relative path";
  for (std::string_view c : Split(relative_path)) {
    if (auto p = ComponentProblem(c); !p.empty()) return p;
  }
  return {};
}

Result<ExportSummary> ExportBackup(const Backup& backup, const std::filesystem::path& dest,
                                   const ExportOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  // Never write into the evidence.
  const auto backup_abs = std::filesystem::weakly_canonical(backup.folder(), ec);
  const auto dest_abs = std::filesystem::weakly_canonical(dest, ec);
  {
    auto rel = dest_abs.lexically_relative(backup_abs);
    if (!rel.empty() && *rel.begin() != "..") {
      return Fail(ErrorCode::kInvalidArgument,
                  dest.string() + ": the destination is inside the backup folder (evidence is never written to)");
    }
  }
  if (std::filesystem::exists(dest, ec)) {
    if (!std::filesystem::is_directory(dest, ec) || !std::filesystem::is_empty(dest, ec)) {
      return Fail(ErrorCode::kInvalidArgument, dest.string() + ": the destination exists and is not an empty folder");
    }
  } else if (!std::filesystem::create_directories(dest, ec)) {
    return Fail(ErrorCode::kIo, dest.string() + ": cannot create: " + ec.message());
  }
  FdCloser root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return Fail(ErrorCode::kIo, dest.string() + ": " + std::strerror(errno));
  const bool direct_io = options.direct_io && core::DirectIoWorthwhile(dest);

  ExportSummary summary;
  std::vector<Job> jobs;
  std::vector<const ManifestEntry*> dirs;
  std::set<std::string> file_paths;
  uint64_t total_bytes = 0;
  for (const ManifestEntry& e : backup.entries()) {
    if (!options.domain.empty() && e.domain != options.domain) continue;
    if (e.kind == EntryKind::kSymlink) {
      summary.symlinks.push_back(e.Path() + " -> " + e.target);
      continue;
    }
    if (e.kind == EntryKind::kDirectory) {
      if (!e.relative_path.empty() && UnsafePathReason(e.domain, e.relative_path).empty()) dirs.push_back(&e);
      continue;
    }
    if (e.kind != EntryKind::kFile) continue;
    const auto& blob = backup.blob(backup.IndexOf(e));
    if (!blob.present) {
      summary.missing.push_back(e.Path() + " (" + e.file_id + ")");
      continue;
    }
    Job job{&e, {}, UnsafePathReason(e.domain, e.relative_path)};
    if (job.refused_reason.empty()) {
      job.components.emplace_back(e.domain);
      for (std::string_view c : Split(e.relative_path)) job.components.emplace_back(c);
      if (!file_paths.insert(Join(job.components)).second) job.refused_reason = "listed twice";
    }
    total_bytes += blob.size;
    jobs.push_back(std::move(job));
  }
  // A file whose parent path is also a file (e.g. below a symlink entry turned file) cannot be
  // placed; decide before writing so the outcome does not depend on thread timing.
  for (Job& job : jobs) {
    if (!job.refused_reason.empty()) continue;
    std::string prefix;
    for (size_t i = 0; i + 1 < job.components.size(); ++i) {
      prefix += (i ? "/" : "") + job.components[i];
      if (file_paths.count(prefix)) {
        job.refused_reason = "a parent path is also a file";
        break;
      }
    }
  }
  for (Job& job : jobs) {
    if (job.refused_reason.empty()) continue;
    job.components = {kUnsafeFolder, job.entry->file_id};
    summary.refused.push_back("refused path '" + SanitizeUtf8(job.entry->Path()) + "' (" +
                              job.refused_reason + "): exported as " + Join(job.components));
  }

  core::Progress progress("export", jobs.size(), total_bytes, options.progress);
  std::atomic<size_t> next{0};
  std::mutex mu;
  auto worker = [&] {
    core::AlignedBuffer buffers[2] = {core::AlignedBuffer(kChunk), core::AlignedBuffer(kChunk)};
    BackgroundWriter background;
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= jobs.size()) return;
      const Job& job = jobs[i];
      const ManifestEntry& e = *job.entry;
      const std::string rel = Join(job.components);
      progress.SetCurrent(e.Path());
      auto fail = [&](const std::string& why) {
        std::lock_guard lock(mu);
        summary.failed.push_back(SanitizeUtf8(e.Path()) + ": " + why);
      };
      auto file = backup.OpenEntry(e);
      if (!file) {
        fail(file.error().ToString());
        progress.Add(1, backup.blob(backup.IndexOf(e)).size);
        continue;
      }
      auto dir = OpenDirs(root.get(), job.components, job.components.size() - 1);
      if (!dir) {
        fail(dir.error().ToString());
        continue;
      }
      FdCloser dir_fd(*dir);
      const std::string& name = job.components.back();
      FdCloser out(::openat(dir_fd.get(), name.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
      if (out.get() < 0) {
        fail(rel + ": " + std::strerror(errno));
        continue;
      }
      core::Hasher hasher(core::HashAlgorithm::kSha256);
      uint64_t written = 0;
      const uint64_t size = (*file)->Size();
      core::DirectWriter writer(out.get(), direct_io && size >= kDirectMinSize);
      // Chunk k is read into buffer k % 2 while chunk k − 1 is being written from the other; a file
      // of one chunk is written here (a hand-over per small file would cost more than it saves).
      const bool inline_write = size <= kChunk;
      Status st;
      for (int k = 0;; k ^= 1) {
        auto got = (*file)->ReadAt(written, buffers[k].span());
        if (!got) {
          st = tl::unexpected(got.error());
          break;
        }
        if (*got == 0) break;
        const ByteSpan chunk(buffers[k].data(), *got);
        hasher.Update(chunk);
        written += chunk.size();
        progress.Add(0, chunk.size());
        st = inline_write ? writer.Write(chunk, rel) : background.Submit(writer, chunk, rel);
        if (!st || *got < kChunk) break;
      }
      if (Status done = background.Wait(); st && !done) st = std::move(done);
      if (st && e.mtime) {
        const timespec times[2] = {{*e.mtime, 0}, {*e.mtime, 0}};
        ::futimens(out.get(), times);
      }
      if (!st || ::close(out.release()) != 0) {
        ::unlinkat(dir_fd.get(), name.c_str(), 0);
        fail(st ? std::string("close failed") : st.error().ToString());
        progress.Add(1, 0);
        continue;
      }
      progress.Add(1, 0);
      std::lock_guard lock(mu);
      if (e.recorded_size && *e.recorded_size != written) {
        summary.size_differences.push_back(SanitizeUtf8(e.Path()) + ": " + std::to_string(written) +
                                           " bytes, the manifest records " +
                                           std::to_string(*e.recorded_size));
      }
      summary.exported.push_back({e.Path(), rel, written, hasher.FinishHex()});
      summary.bytes += written;
    }
  };
  const unsigned n = std::max(1u, std::min<unsigned>(options.threads, static_cast<unsigned>(jobs.size())));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  progress.Finish();

  // Directories last, deepest first, so writing their files does not change their times again.
  std::sort(dirs.begin(), dirs.end(), [](const ManifestEntry* a, const ManifestEntry* b) {
    return a->Path().size() > b->Path().size();
  });
  for (const ManifestEntry* d : dirs) {
    std::vector<std::string> components{d->domain};
    for (std::string_view c : Split(d->relative_path)) components.emplace_back(c);
    if (file_paths.count(Join(components))) continue;
    auto fd = OpenDirs(root.get(), components, components.size());
    if (!fd) continue;
    FdCloser dir_fd(*fd);
    ++summary.directories;
    if (d->mtime) {
      const timespec times[2] = {{*d->mtime, 0}, {*d->mtime, 0}};
      ::futimens(dir_fd.get(), times);
    }
  }

  std::sort(summary.exported.begin(), summary.exported.end(),
            [](const ExportedFile& a, const ExportedFile& b) { return a.dest < b.dest; });
  std::sort(summary.failed.begin(), summary.failed.end());
  std::sort(summary.size_differences.begin(), summary.size_differences.end());
  std::string hashes;
  for (const auto& f : summary.exported) hashes += f.sha256 + "  " + f.dest + "\n";
  MFX_RETURN_IF_ERROR(core::WriteFileAtomic(dest / kExportHashList, AsBytes(hashes)));
  std::string report = "mfx backup export of " + backup.folder().string() + "\n";
  report += std::to_string(summary.exported.size()) + " files, " + std::to_string(summary.bytes) + " bytes\n";
  auto section = [&](const char* title, const std::vector<std::string>& lines) {
    if (lines.empty()) return;
    report += std::string("\n") + title + " (" + std::to_string(lines.size()) + "):\n";
    for (const auto& l : lines) report += "  " + SanitizeUtf8(l) + "\n";
  };
  section("refused paths", summary.refused);
  section("missing payloads", summary.missing);
  section("failed", summary.failed);
  section("sizes that differ from the manifest", summary.size_differences);
  section("symlinks (not created)", summary.symlinks);
  MFX_RETURN_IF_ERROR(core::WriteFileAtomic(dest / kExportReport, AsBytes(report)));
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace mfx::reports
