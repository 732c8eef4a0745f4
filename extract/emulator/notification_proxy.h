// com.apple.mobile.notification_proxy (DEVICE.md §2.4): the host observes and posts notification
// names; the device relays observed names ({Command: RelayNotification, Name}) and answers
// Shutdown with ProxyDeath (libimobiledevice waits for it when it has no callback thread).
#pragma once

#include "extract/emulator/channel.h"

namespace mfx::extract::emulator {

class Emulator;

// Serves one notification_proxy connection until Shutdown or close. Throws ConnectionClosed.
void ServeNotificationProxy(Emulator& emulator, Channel& channel);

}  // namespace mfx::extract::emulator
