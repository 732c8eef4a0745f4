// Length-prefixed plist frames (lockdownd, notification_proxy, DeviceLink): u32 big-endian payload
// length, then an XML or binary plist (DEVICE.md §5). The host drops frames that start with neither
// "bplist00" nor "<?xml", so the emulator never sends such frames.
#pragma once

#include <optional>

#include "extract/emulator/channel.h"
#include "extract/emulator/plist_util.h"

namespace mfx::extract::emulator {

enum class PlistFormat { kXml, kBinary };

void SendPlistFrame(Channel& channel, plist_t node, PlistFormat format);

// Waits at most `first_byte_timeout_ms` (-1 = forever) for a frame. nullopt on timeout; throws
// ConnectionClosed on end of stream or when the payload is not a plist.
std::optional<PlistPtr> ReceivePlistFrame(Channel& channel, int first_byte_timeout_ms = -1);

}  // namespace mfx::extract::emulator
