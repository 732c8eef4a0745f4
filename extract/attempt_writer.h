#pragma once
// The acquisition writer: one attempt folder, everything the device sends into it, and the ledger
// that says what arrived (ledger.h).
//
// Each uploaded file is written as "<destination>.part" (created O_CREAT|O_EXCL|O_NOFOLLOW below
// the attempt folder, path_sandbox.h), SHA-256-hashed block by block as the bytes arrive, and
// renamed to its destination only when its 0x00 end marker arrives, after fdatasync. Anything else
// leaves the .part where it is and an `incomplete` ledger row with the bytes received.
//
// Device paths are checked with DevicePathProblem; a refused path is logged in the ledger and
// reported back to the device in the batch's status response. Device requests to remove files
// are honoured only for empty directories: received files are evidence and stay (logged).
//
// Thread-safety: the object belongs to the receive loop's thread; the counters read by the
// progress display are atomics.

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/crypto.h"
#include "core/direct_io.h"
#include "core/result.h"
#include "extract/ledger.h"
#include "extract/path_sandbox.h"
#include "extract/upload_stream.h"

namespace mfx::extract {

// Called as files and bytes arrive (the progress display).
class TransferObserver {
 public:
  virtual ~TransferObserver() = default;
  virtual void FileStarted(const std::string& destination) = 0;
  virtual void BytesReceived(uint64_t n) = 0;
  virtual void FileFinished(bool complete) = 0;
};

struct AttemptWriterOptions {
  bool hash = true;  // off only for the throughput benchmark: the result is not evidence
  TransferObserver* observer = nullptr;
};

// A host file-system error as the DeviceLink protocol wants it (1.3.0 codes, DEVICE.md §6).
struct DlFileError {
  int64_t code = 0;  // ENOENT -6, EEXIST -7, otherwise -errno; 0 = no error
  std::string text;
};

class AttemptWriter : public UploadSink {
 public:
  // `attempt_dir` exists and is empty; `ledger` carries the header fields (evidence id, attempt,
  // udid, request); attempt.json is written at once (status in_progress).
  static Result<std::unique_ptr<AttemptWriter>> Open(const std::filesystem::path& attempt_dir,
                                                     Ledger ledger,
                                                     AttemptWriterOptions options = {});
  ~AttemptWriter() override;

  // UploadSink
  bool BeginFile(std::string_view device_path, std::string_view destination) override;
  bool FileData(ByteSpan bytes) override;
  void EndFile(FileEnd end, std::string_view text, uint64_t discarded) override;

  // Problems of the files of the batch just read (refused or failed), cleared by the call: the
  // batch's status response reports them to the device.
  std::vector<std::string> TakeBatchProblems();

  // The other DeviceLink requests, each logged in the ledger's operations.
  DlFileError CreateDirectory(const std::string& path);
  DlFileError Move(const std::string& from, const std::string& to);
  DlFileError Remove(const std::string& path);
  DlFileError Copy(const std::string& from, const std::string& to);
  Result<std::vector<SandboxEntry>> ListDirectory(const std::string& path, DlFileError* error);
  // Opens a file the device wants to read back; logs it when FinishDownload is called.
  Result<UniqueFd> OpenForDownload(const std::string& path, DlFileError* error);
  void FinishDownload(const std::string& path, uint64_t bytes, const std::string& sha256,
                      const std::string& result);
  // A host-made file of the backup (Info.plist), written whole and listed with origin "host".
  Status WriteHostFile(const std::string& path, ByteSpan bytes);
  void LogOperation(nlohmann::json operation);
  // Free space of the volume holding the attempt folder (f_bavail × f_frsize).
  Result<uint64_t> FreeBytes() const;

  // Ends a file that was open when the stream stopped (as kCut with `reason`).
  void AbandonOpenFile(const std::string& reason);
  // Writes attempt.json atomically (fsynced) and fsyncs the attempt folder.
  Status Save();

  Ledger& ledger() { return ledger_; }
  const Ledger& ledger() const { return ledger_; }
  SandboxDir& sandbox() { return sandbox_; }
  const std::filesystem::path& dir() const { return dir_; }
  uint64_t files_received() const { return files_received_.load(); }
  uint64_t bytes_received() const { return bytes_received_.load(); }

 private:
  AttemptWriter(std::filesystem::path dir, SandboxDir sandbox, Ledger ledger,
                AttemptWriterOptions options);
  struct OpenFile;
  bool Flush(bool whole_buffer);
  void FinishCurrent(FileEnd end, const std::string& reason, uint64_t discarded);
  DlFileError FromError(const Error& e) const;
  void MovePrefix(const std::string& from, const std::string& to);

  std::filesystem::path dir_;
  SandboxDir sandbox_;
  Ledger ledger_;
  AttemptWriterOptions options_;
  std::unique_ptr<OpenFile> current_;
  // One file is open at a time: its bytes gather here, aligned for O_DIRECT. A file that fills
  // the buffer once is written direct where the attempt folder's filesystem is on a device
  // (core/direct_io.h): large files skip the page cache; small ones are not worth it.
  core::AlignedBuffer buffer_;
  bool direct_io_ = false;
  uint64_t next_seq_ = 1;
  std::unordered_map<std::string, size_t> complete_by_path_;  // path → index in ledger_.files
  std::vector<std::string> batch_problems_;
  std::atomic<uint64_t> files_received_{0};
  std::atomic<uint64_t> bytes_received_{0};
};

}  // namespace mfx::extract
