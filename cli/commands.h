#pragma once
// One entry point per top-level command; each takes the arguments after its name and returns the
// process exit status. Bad options throw UsageError. Each lives in its own <name>_command.cpp.

#include <string>
#include <vector>

namespace mfx::cli {

int BackupCommand(const std::vector<std::string>& args);      // backup_command.cpp
int AnalyzeCommand(const std::vector<std::string>& args);     // analyze_command.cpp
int ReportCommand(const std::vector<std::string>& args);      // report_command.cpp
int VerifyCommand(const std::vector<std::string>& args);      // verify_command.cpp
int DevicesCommand(const std::vector<std::string>& args);     // devices_command.cpp
int DeviceInfoCommand(const std::vector<std::string>& args);  // devices_command.cpp
int AcquireCommand(const std::vector<std::string>& args);     // acquire_command.cpp

}  // namespace mfx::cli
