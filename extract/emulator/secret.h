// A string that wipes its memory when destroyed (backup passwords). No stream output on purpose.
#pragma once

#include <openssl/crypto.h>

#include <string>
#include <string_view>

namespace mfx::extract::emulator {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string_view value) : value_(value) {}
  SecretString(const SecretString& other) : value_(other.value_) {}
  SecretString& operator=(const SecretString& other) {
    if (this != &other) {
      Wipe();
      value_ = other.value_;
    }
    return *this;
  }
  ~SecretString() { Wipe(); }

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  bool operator==(const SecretString& other) const { return value_ == other.value_; }

 private:
  void Wipe() {
    if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
    value_.clear();
  }
  std::string value_;
};

}  // namespace mfx::extract::emulator
