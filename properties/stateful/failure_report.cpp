#include "properties/stateful/failure_report.h"

#include <filesystem>
#include <fstream>

#include "core/script/script.h"

namespace ptc::props {

namespace fs = std::filesystem;

namespace {
std::string target_name(const PropertyContext& ctx) {
  return ctx.target && ctx.target->name ? ctx.target->name : "target";
}
}  // namespace

std::string reproducer_path(const PropertyContext& ctx, const std::string& property) {
  const fs::path dir = ctx.failure_dir.empty() ? fs::path("property-failures") : fs::path(ctx.failure_dir);
  return (dir / (property + "-" + target_name(ctx) + ".ops")).string();
}

std::string write_reproducer(const PropertyContext& ctx, const std::string& property, const Script& script,
                             const std::string& why) {
  const fs::path file = reproducer_path(ctx, property);
  const fs::path dir = file.parent_path();
  const std::string target = target_name(ctx);
  const std::string replay =
      "ptcheck run " + file.string() + (ctx.target_path.empty() ? "" : " --target " + ctx.target_path);
  std::string text = "# RapidCheck property `" + property + "` failed on target " + target + ".\n";
  for (size_t at = 0; at < why.size();) {  // the reason, as comment lines
    const size_t nl = why.find('\n', at);
    const std::string line = why.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (!line.empty()) text += "# " + line + "\n";
    at = nl == std::string::npos ? why.size() : nl + 1;
  }
  text += "# replay: " + replay + "\n" + print_script(script);
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ofstream out(file);
  out << text;
  if (!out) return "  (could not write the .ops reproducer to " + file.string() + ")\n";
  return "  .ops reproducer: " + file.string() + "\n  replay: " + replay + "\n";
}

}  // namespace ptc::props
