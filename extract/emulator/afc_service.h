// The AFC subset a backup touches (DEVICE.md §2.4): the sync lock file, the Info.plist extras the
// host looks for, and enough of the rest (read/write/readdir/mkdir/remove/rename/device info) for a
// well-behaved client. The file system lives in memory; every file or folder a host creates is
// recorded, because AFC_FOPEN_RW on the lock file may create it on a real device.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "extract/emulator/channel.h"

namespace mfx::extract::emulator {

class Emulator;

class AfcFileSystem {
 public:
  struct Node {
    bool directory = false;
    std::vector<uint8_t> data;
    int64_t mtime_ns = 0;
  };

  AfcFileSystem();

  // Paths are normalised ("/a/b"); all methods lock internally.
  std::optional<Node> Stat(const std::string& path) const;
  bool CreateFile(const std::string& path, bool truncate, bool* created);
  bool MakeDirectory(const std::string& path);
  // Returns an AFC status code (0 = success).
  uint64_t Remove(const std::string& path, bool recursive);
  uint64_t Rename(const std::string& from, const std::string& to);
  std::optional<std::vector<std::string>> List(const std::string& path) const;
  std::vector<uint8_t> Read(const std::string& path, uint64_t offset, uint64_t length) const;
  void Write(const std::string& path, uint64_t offset, const uint8_t* data, size_t size);

  // Advisory locks by open-handle id; returns an AFC status code (19 = would block).
  uint64_t Lock(const std::string& path, uint64_t handle, uint64_t operation);
  void ReleaseLocks(uint64_t handle);
  uint64_t NextHandle();

  static std::string Normalize(const std::string& path);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Node> nodes_;
  std::map<std::string, uint64_t> exclusive_locks_;
  uint64_t next_handle_ = 1;
};

// Serves one AFC connection until the host closes it. Throws ConnectionClosed.
void ServeAfc(Emulator& emulator, Channel& channel);

}  // namespace mfx::extract::emulator
