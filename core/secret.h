#pragma once
// SecretBytes: key material (passwords, derived keys, class keys, file keys).
//
// Move-only; wiped with OPENSSL_cleanse on destruction and on move-from; no operator<< and no
// implicit conversion to a string, so a secret cannot reach a log by accident.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace mfx::core {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size) : bytes_(size) {}
  explicit SecretBytes(std::span<const uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
  static SecretBytes FromString(std::string_view s) {
    return SecretBytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  ~SecretBytes() { Wipe(); }

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.Wipe(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      Wipe();
      bytes_ = std::move(other.bytes_);
      other.Wipe();
    }
    return *this;
  }

  // Explicit copy, for the rare place that needs two owners (a key cached per class).
  SecretBytes Clone() const { return SecretBytes(span()); }

  std::span<const uint8_t> span() const { return bytes_; }
  std::span<uint8_t> mutable_span() { return bytes_; }
  const uint8_t* data() const { return bytes_.data(); }
  uint8_t* data() { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  void resize(size_t n);  // wipes the tail when shrinking

 private:
  void Wipe();
  std::vector<uint8_t> bytes_;
};

}  // namespace mfx::core
