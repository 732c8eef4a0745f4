#include "extract/attempt_writer.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/file_util.h"
#include "extract/device_session.h"

namespace mfx::extract {
namespace {

using nlohmann::json;

constexpr size_t kWriteBuffer = 1 << 20;

std::string Now() { return IsoUtcFromMicros(HostUnixMicros()); }

// Destinations can be 1 MiB of garbage: the ledger keeps a readable prefix.
std::string ForLedger(std::string_view s) {
  constexpr size_t kMax = 4200;
  if (s.size() <= kMax) return SanitizeUtf8(s);
  return SanitizeUtf8(s.substr(0, kMax)) + "… (" + std::to_string(s.size()) + " bytes)";
}

bool WriteAll(int fd, const uint8_t* data, size_t size, int* error) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = errno;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

struct AttemptWriter::OpenFile {
  uint64_t seq = 0;
  std::string destination;
  std::string part_path;
  std::string device_path;
  UniqueFd fd;
  std::optional<core::Hasher> hasher;
  uint64_t bytes = 0;
  size_t buffered = 0;                      // bytes in AttemptWriter::buffer_
  std::optional<core::DirectWriter> writer;  // from the first flush on
  bool failed = false;
  std::string fail_reason;
  bool refused = false;  // no file: the bytes are discarded
};

AttemptWriter::AttemptWriter(std::filesystem::path dir, SandboxDir sandbox, Ledger ledger,
                             AttemptWriterOptions options)
    : dir_(std::move(dir)),
      sandbox_(std::move(sandbox)),
      ledger_(std::move(ledger)),
      options_(options),
      buffer_(kWriteBuffer),
      direct_io_(core::DirectIoWorthwhile(dir_)) {}

AttemptWriter::~AttemptWriter() = default;

Result<std::unique_ptr<AttemptWriter>> AttemptWriter::Open(const std::filesystem::path& attempt_dir,
                                                           Ledger ledger,
                                                           AttemptWriterOptions options) {
  MFX_ASSIGN_OR_RETURN(SandboxDir sandbox, SandboxDir::Open(attempt_dir));
  ledger.hashing = options.hash;
  if (ledger.started.empty()) ledger.started = Now();
  std::unique_ptr<AttemptWriter> writer(
      new AttemptWriter(attempt_dir, std::move(sandbox), std::move(ledger), options));
  MFX_RETURN_IF_ERROR(writer->Save());
  return writer;
}

bool AttemptWriter::BeginFile(std::string_view device_path, std::string_view destination) {
  if (current_) AbandonOpenFile("a new file began before this one ended");
  auto file = std::make_unique<OpenFile>();
  file->seq = next_seq_++;
  file->destination = std::string(destination);
  file->device_path = std::string(device_path);
  std::string why = DevicePathProblem(destination, ledger_.udid);
  if (why.empty()) {
    // A free .part name: a destination sent twice keeps both partial files.
    for (int n = 1; n < 1000; ++n) {
      file->part_path = file->destination + (n == 1 ? ".part" : ".part-" + std::to_string(n));
      auto fd = sandbox_.CreateFile(file->part_path, 0644);
      if (fd) {
        file->fd = std::move(*fd);
        break;
      }
      if (fd.error().code != ErrorCode::kInvalidArgument) {  // not "already exists"
        why = "cannot be created below the attempt folder: " + fd.error().message;
        break;
      }
    }
    if (why.empty() && !file->fd) why = "no free .part name";
  }
  if (!why.empty()) {
    file->refused = true;
    ledger_.refused.push_back(LedgerRefused{file->seq, ForLedger(destination), why, 0});
    batch_problems_.push_back(ForLedger(destination) + ": " + why);
    current_ = std::move(file);
    return false;
  }
  if (options_.hash) file->hasher.emplace(core::HashAlgorithm::kSha256);
  if (options_.observer) options_.observer->FileStarted(file->destination);
  current_ = std::move(file);
  return true;
}

bool AttemptWriter::Flush(bool whole_buffer) {
  OpenFile& f = *current_;
  if (f.buffered == 0 || f.failed) return !f.failed;
  if (!f.writer) f.writer.emplace(f.fd.get(), direct_io_ && whole_buffer);
  if (auto st = f.writer->Write(ByteSpan(buffer_.data(), f.buffered), f.part_path); !st) {
    f.failed = true;
    f.fail_reason = "writing " + st.error().message;
  }
  f.buffered = 0;
  return !f.failed;
}

bool AttemptWriter::FileData(ByteSpan bytes) {
  if (!current_ || current_->refused || current_->failed) return false;
  OpenFile& f = *current_;
  if (f.hasher) f.hasher->Update(bytes);
  f.bytes += bytes.size();
  bytes_received_ += bytes.size();
  if (options_.observer) options_.observer->BytesReceived(bytes.size());
  while (!bytes.empty()) {
    if (!direct_io_ && f.buffered == 0 && bytes.size() >= kWriteBuffer) {
      // Through the page cache anyway: a large piece goes straight from the receive buffer.
      if (auto st = core::WriteAllFd(f.fd.get(), bytes, f.part_path); !st) {
        f.failed = true;
        f.fail_reason = "writing " + st.error().message;
        return false;
      }
      return true;
    }
    const size_t n = std::min(bytes.size(), kWriteBuffer - f.buffered);
    std::memcpy(buffer_.data() + f.buffered, bytes.data(), n);
    f.buffered += n;
    bytes = bytes.subspan(n);
    if (f.buffered == kWriteBuffer && !Flush(true)) return false;
  }
  return true;
}

void AttemptWriter::EndFile(FileEnd end, std::string_view text, uint64_t discarded) {
  if (!current_) return;
  if (current_->refused) {
    if (!ledger_.refused.empty()) ledger_.refused.back().bytes_discarded = discarded;
    current_.reset();
    return;
  }
  FinishCurrent(end, std::string(text), discarded);
}

void AttemptWriter::FinishCurrent(FileEnd end, const std::string& reason, uint64_t discarded) {
  Flush(false);
  std::unique_ptr<OpenFile> f = std::move(current_);
  // Durable before the rename (complete) and before the ledger says what we kept (incomplete).
  if (::fdatasync(f->fd.get()) != 0 && !f->failed) {
    f->failed = true;
    f->fail_reason = std::string("fdatasync ") + f->part_path + ": " + std::strerror(errno);
  }
  f->fd.Reset();
  const std::string sha = f->hasher ? f->hasher->FinishHex() : std::string();
  bool complete = end == FileEnd::kComplete && !f->failed;
  std::string why = reason;
  if (end == FileEnd::kComplete && f->failed) why = f->fail_reason;
  if (complete) {
    const auto existing = complete_by_path_.find(f->destination);
    const bool replace = existing != complete_by_path_.end();
    if (auto renamed = sandbox_.Rename(f->part_path, f->destination, replace); !renamed) {
      complete = false;
      why = "kept as .part: " + renamed.error().message;
    } else {
      LedgerFile entry;
      entry.seq = f->seq;
      entry.path = f->destination;
      entry.received_as = f->destination;
      entry.device_path = f->device_path;
      entry.size = f->bytes;
      entry.sha256 = sha;
      entry.completed = Now();
      if (replace) {
        ledger_.files[existing->second].replaced_by_seq = f->seq;
        ledger_.files[existing->second].path.clear();
      }
      ledger_.files.push_back(std::move(entry));
      complete_by_path_[f->destination] = ledger_.files.size() - 1;
      ++files_received_;
    }
  }
  if (!complete) {
    if (f->failed && end != FileEnd::kComplete && !f->fail_reason.empty()) {
      why = why.empty() ? f->fail_reason : why + "; " + f->fail_reason;
    }
    LedgerIncomplete entry;
    entry.seq = f->seq;
    entry.destination = f->destination;
    entry.part_path = f->part_path;
    entry.bytes_received = f->bytes;
    entry.sha256_of_received = sha;
    entry.end = std::string(FileEndName(f->failed && end == FileEnd::kComplete ? FileEnd::kLocalError : end));
    entry.reason = why;
    if (discarded > 0) entry.reason += " (" + std::to_string(discarded) + " more bytes discarded)";
    ledger_.incomplete.push_back(std::move(entry));
    if (end != FileEnd::kCut) batch_problems_.push_back(f->destination + ": " + why);
  }
  if (options_.observer) options_.observer->FileFinished(complete);
}

void AttemptWriter::AbandonOpenFile(const std::string& reason) {
  if (!current_) return;
  if (current_->refused) {
    current_.reset();
    return;
  }
  FinishCurrent(FileEnd::kCut, reason, 0);
}

std::vector<std::string> AttemptWriter::TakeBatchProblems() {
  std::vector<std::string> out;
  out.swap(batch_problems_);
  return out;
}

DlFileError AttemptWriter::FromError(const Error& e) const {
  DlFileError out;
  out.text = e.message;
  // 1.3.0's codes (DEVICE.md §6): ENOENT -6, EEXIST -7, otherwise -errno; we have no errno left
  // in an Error, so the kinds map to the common ones.
  switch (e.code) {
    case ErrorCode::kNotFound:
      out.code = -6;
      break;
    case ErrorCode::kInvalidArgument:
      out.code = -7;
      break;
    case ErrorCode::kUnsafePath:
      out.code = -EACCES;
      break;
    default:
      out.code = -EIO;
      break;
  }
  return out;
}

void AttemptWriter::LogOperation(json operation) {
  operation["time"] = Now();
  ledger_.operations.push_back(std::move(operation));
}

DlFileError AttemptWriter::CreateDirectory(const std::string& path) {
  DlFileError error;
  if (std::string why = DevicePathProblem(path, ledger_.udid); !why.empty()) {
    error = DlFileError{-EACCES, "refused by mfx: " + why};
  } else if (auto made = sandbox_.MakeDirectories(path); !made) {
    error = FromError(made.error());
  }
  LogOperation({{"op", "mkdir"},
                {"path", ForLedger(path)},
                {"result", error.code == 0 ? "ok" : SanitizeUtf8(error.text)}});
  return error;
}

void AttemptWriter::MovePrefix(const std::string& from, const std::string& to) {
  const std::string prefix = from + "/";
  std::unordered_map<std::string, size_t> moved;
  for (auto it = complete_by_path_.begin(); it != complete_by_path_.end();) {
    if (it->first.compare(0, prefix.size(), prefix) == 0) {
      const std::string now = to + "/" + it->first.substr(prefix.size());
      ledger_.files[it->second].path = now;
      moved[now] = it->second;
      it = complete_by_path_.erase(it);
    } else {
      ++it;
    }
  }
  complete_by_path_.insert(moved.begin(), moved.end());
}

DlFileError AttemptWriter::Move(const std::string& from, const std::string& to) {
  DlFileError error;
  std::string why = DevicePathProblem(from, ledger_.udid);
  if (why.empty()) why = DevicePathProblem(to, ledger_.udid);
  bool directory = false;
  if (!why.empty()) {
    error = DlFileError{-EACCES, "refused by mfx: " + why};
  } else if (auto st = sandbox_.Stat(from); !st) {
    error = FromError(st.error());
  } else {
    directory = S_ISDIR(st->st_mode);
    // An existing destination: an empty directory goes first (as 1.3.0 does); a file is replaced
    // only when it is one this attempt received (it is then listed as superseded).
    if (auto target = sandbox_.Stat(to); target && S_ISDIR(target->st_mode)) {
      if (auto kept = sandbox_.RemoveEmptyTree(to); kept && !kept->empty()) {
        error = DlFileError{-7, to + ": a non-empty directory is in the way"};
      }
    }
    if (error.code == 0) {
      const auto existing = complete_by_path_.find(to);
      const bool replace = !directory && existing != complete_by_path_.end();
      if (auto renamed = sandbox_.Rename(from, to, replace); !renamed) {
        error = FromError(renamed.error());
      } else if (directory) {
        MovePrefix(from, to);
      } else {
        const auto source = complete_by_path_.find(from);
        if (replace) {
          ledger_.files[existing->second].replaced_by_seq =
              source != complete_by_path_.end() ? ledger_.files[source->second].seq : 0;
          ledger_.files[existing->second].path.clear();
          complete_by_path_.erase(existing);
        }
        if (source != complete_by_path_.end()) {
          const size_t index = source->second;
          ledger_.files[index].path = to;
          complete_by_path_.erase(source);
          complete_by_path_[to] = index;
        }
      }
    }
  }
  LogOperation({{"op", "move"},
                {"from", ForLedger(from)},
                {"to", ForLedger(to)},
                {"result", error.code == 0 ? "ok" : SanitizeUtf8(error.text)}});
  return error;
}

DlFileError AttemptWriter::Remove(const std::string& path) {
  DlFileError error;
  json op = {{"op", "remove"}, {"path", ForLedger(path)}};
  if (std::string why = DevicePathProblem(path, ledger_.udid); !why.empty()) {
    error = DlFileError{-EACCES, "refused by mfx: " + why};
    op["result"] = SanitizeUtf8(error.text);
  } else if (auto kept = sandbox_.RemoveEmptyTree(path); !kept) {
    // 1.3.0 ignores ENOENT; so do we.
    op["result"] = kept.error().code == ErrorCode::kNotFound ? "absent" : SanitizeUtf8(kept.error().message);
    if (kept.error().code != ErrorCode::kNotFound) error = FromError(kept.error());
  } else if (!kept->empty()) {
    // Received files are evidence: they stay; the device is told it worked.
    json names = json::array();
    for (size_t i = 0; i < kept->size() && i < 20; ++i) names.push_back(SanitizeUtf8((*kept)[i]));
    op["result"] = "kept";
    op["kept_files"] = kept->size();
    op["kept"] = names;
  } else {
    op["result"] = "ok";
  }
  LogOperation(std::move(op));
  return error;
}

DlFileError AttemptWriter::Copy(const std::string& from, const std::string& to) {
  DlFileError error;
  json op = {{"op", "copy"}, {"from", ForLedger(from)}, {"to", ForLedger(to)}};
  std::string why = DevicePathProblem(from, ledger_.udid);
  if (why.empty()) why = DevicePathProblem(to, ledger_.udid);
  if (!why.empty()) {
    error = DlFileError{-EACCES, "refused by mfx: " + why};
  } else if (auto in = sandbox_.OpenForRead(from); !in) {
    error = FromError(in.error());
  } else if (auto out = sandbox_.CreateFile(to + ".part"); !out) {
    error = FromError(out.error());
  } else {
    core::Hasher hasher(core::HashAlgorithm::kSha256);
    std::vector<uint8_t> buffer(1 << 16);
    uint64_t total = 0;
    while (true) {
      const ssize_t n = ::read(in->get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n < 0) error = DlFileError{-errno, std::strerror(errno)};
        break;
      }
      int e = 0;
      if (!WriteAll(out->get(), buffer.data(), static_cast<size_t>(n), &e)) {
        error = DlFileError{-e, std::strerror(e)};
        break;
      }
      hasher.Update(ByteSpan(buffer.data(), static_cast<size_t>(n)));
      total += static_cast<uint64_t>(n);
    }
    ::fdatasync(out->get());
    out->Reset();
    if (error.code == 0) {
      if (auto renamed = sandbox_.Rename(to + ".part", to, false); !renamed) {
        error = FromError(renamed.error());
      } else {
        LedgerFile entry;
        entry.seq = next_seq_++;
        entry.path = to;
        entry.received_as = to;
        entry.size = total;
        entry.sha256 = hasher.FinishHex();
        entry.completed = Now();
        entry.origin = "host_copy";
        ledger_.files.push_back(entry);
        complete_by_path_[to] = ledger_.files.size() - 1;
        op["sha256"] = entry.sha256;
      }
    }
  }
  op["result"] = error.code == 0 ? "ok" : SanitizeUtf8(error.text);
  LogOperation(std::move(op));
  return error;
}

Result<std::vector<SandboxEntry>> AttemptWriter::ListDirectory(const std::string& path,
                                                               DlFileError* error) {
  *error = DlFileError{};
  json op = {{"op", "list"}, {"path", ForLedger(path)}};
  if (std::string why = DevicePathProblem(path, ledger_.udid); !why.empty()) {
    *error = DlFileError{-EACCES, "refused by mfx: " + why};
    op["result"] = SanitizeUtf8(error->text);
    LogOperation(std::move(op));
    return Fail(ErrorCode::kUnsafePath, why);
  }
  auto entries = sandbox_.List(path);
  if (!entries) {
    // A folder that does not exist yet lists as empty (a first backup).
    op["result"] = entries.error().code == ErrorCode::kNotFound ? "absent" : SanitizeUtf8(entries.error().message);
    LogOperation(std::move(op));
    if (entries.error().code == ErrorCode::kNotFound) return std::vector<SandboxEntry>{};
    *error = FromError(entries.error());
    return tl::unexpected(entries.error());
  }
  op["result"] = "ok";
  op["entries"] = entries->size();
  LogOperation(std::move(op));
  return entries;
}

Result<UniqueFd> AttemptWriter::OpenForDownload(const std::string& path, DlFileError* error) {
  *error = DlFileError{};
  if (std::string why = DevicePathProblem(path, ledger_.udid); !why.empty()) {
    *error = DlFileError{-EACCES, "refused by mfx: " + why};
    return Fail(ErrorCode::kUnsafePath, why);
  }
  auto fd = sandbox_.OpenForRead(path);
  if (!fd) {
    *error = FromError(fd.error());
    if (fd.error().code == ErrorCode::kNotFound) error->text = "No such file or directory";
    return tl::unexpected(fd.error());
  }
  return fd;
}

void AttemptWriter::FinishDownload(const std::string& path, uint64_t bytes,
                                   const std::string& sha256, const std::string& result) {
  json op = {{"op", "download"}, {"path", ForLedger(path)}, {"bytes", bytes}, {"result", result}};
  if (!sha256.empty()) op["sha256"] = sha256;
  LogOperation(std::move(op));
}

Status AttemptWriter::WriteHostFile(const std::string& path, ByteSpan bytes) {
  if (std::string why = DevicePathProblem(path, ledger_.udid); !why.empty()) {
    return Fail(ErrorCode::kUnsafePath, path + ": " + why);
  }
  MFX_ASSIGN_OR_RETURN(UniqueFd fd, sandbox_.CreateFile(path + ".part"));
  int e = 0;
  if (!WriteAll(fd.get(), bytes.data(), bytes.size(), &e) || ::fdatasync(fd.get()) != 0) {
    return Fail(ErrorCode::kIo, path + ": " + std::strerror(e != 0 ? e : errno));
  }
  fd.Reset();
  MFX_RETURN_IF_ERROR(sandbox_.Rename(path + ".part", path, false));
  LedgerFile entry;
  entry.seq = next_seq_++;
  entry.path = path;
  entry.received_as = path;
  entry.size = bytes.size();
  entry.sha256 = core::Sha256Hex(bytes);
  entry.completed = Now();
  entry.origin = "host";
  ledger_.files.push_back(std::move(entry));
  complete_by_path_[path] = ledger_.files.size() - 1;
  return {};
}

Result<uint64_t> AttemptWriter::FreeBytes() const {
  struct statvfs st {};
  if (::fstatvfs(sandbox_.fd(), &st) != 0) {
    return Fail(ErrorCode::kIo, dir_.string() + ": statvfs: " + std::strerror(errno));
  }
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

Status AttemptWriter::Save() {
  const std::string text = ledger_.ToJson().dump(2) + "\n";
  MFX_RETURN_IF_ERROR(core::WriteFileAtomic(dir_ / kAttemptLedger, AsBytes(text)));
  return sandbox_.SyncDirectory("");
}

}  // namespace mfx::extract
