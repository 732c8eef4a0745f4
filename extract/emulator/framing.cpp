#include "extract/emulator/framing.h"

#include <fmt/format.h>

#include "extract/emulator/byte_order.h"

namespace mfx::extract::emulator {
namespace {

constexpr uint32_t kMaxFrameBytes = 64u << 20;

}  // namespace

void SendPlistFrame(Channel& channel, plist_t node, PlistFormat format) {
  std::vector<uint8_t> frame;
  if (format == PlistFormat::kBinary) {
    const std::vector<uint8_t> payload = ToBinary(node);
    AppendBe32(frame, static_cast<uint32_t>(payload.size()));
    frame.insert(frame.end(), payload.begin(), payload.end());
  } else {
    const std::string payload = ToXml(node);
    AppendBe32(frame, static_cast<uint32_t>(payload.size()));
    frame.insert(frame.end(), payload.begin(), payload.end());
  }
  channel.WriteAll(frame);
}

std::optional<PlistPtr> ReceivePlistFrame(Channel& channel, int first_byte_timeout_ms) {
  uint8_t header[4];
  if (!channel.ReadExact(header, sizeof(header), first_byte_timeout_ms)) return std::nullopt;
  const uint32_t length = ReadBe32(header);
  if (length == 0 || length > kMaxFrameBytes) {
    throw ConnectionClosed(fmt::format("bad plist frame length {}", length));
  }
  std::vector<uint8_t> payload(length);
  channel.ReadExact(payload.data(), payload.size());
  PlistPtr node = ParsePlist(payload);
  if (!node) throw ConnectionClosed("frame payload is not a plist");
  return node;
}

}  // namespace mfx::extract::emulator
