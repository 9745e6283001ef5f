// Report files are written whole or not at all (report_file.h): a reader never finds a destination that
// holds part of a report, whatever happens while it is written, and nothing is left beside it.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tools/ptcheck/html_timeline.h"
#include "tools/ptcheck/report_file.h"

namespace fs = std::filesystem;

namespace ptc::cli {
namespace {

// A fresh folder per test (ctest -j runs tests side by side).
class ReportFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("ptcheck-report-file-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string big_text() {
  std::string s;
  for (int i = 0; i < 50000; ++i) s += "<testcase name=\"" + std::to_string(i) + "\"/>\n";
  return s;
}

TEST_F(ReportFile, WritesTheWholeTextAndLeavesNothingBeside) {
  std::string error;
  const std::string text = big_text();
  ASSERT_TRUE(write_report_file(path("check.xml"), text, &error)) << error;
  EXPECT_EQ(slurp(path("check.xml")), text);
  EXPECT_EQ(files(), std::vector<std::string>{"check.xml"}) << "the temporary file must be renamed, not left";
}

// The old report stays readable, whole, by whoever has it open, and the new one is a new file: the
// destination is replaced by a rename, never truncated and refilled (which a reader, or a kill between
// the truncation and the last write, would see half-written).
TEST_F(ReportFile, ReplacesTheDestinationWithoutTruncatingIt) {
  const std::string old_text = big_text(), new_text = "{\"result\": \"PASS\"}\n";
  std::string error;
  ASSERT_TRUE(write_report_file(path("check.json"), old_text, &error)) << error;
  struct stat before;
  ASSERT_EQ(::stat(path("check.json").c_str(), &before), 0);
  std::ifstream reader(path("check.json"), std::ios::binary);  // a CI parser in the middle of reading it
  ASSERT_TRUE(write_report_file(path("check.json"), new_text, &error)) << error;
  std::stringstream seen;
  seen << reader.rdbuf();
  EXPECT_EQ(seen.str(), old_text) << "the open report was changed under its reader";
  struct stat after;
  ASSERT_EQ(::stat(path("check.json").c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino) << "the destination was rewritten in place";
  EXPECT_EQ(slurp(path("check.json")), new_text);
  EXPECT_EQ(files(), std::vector<std::string>{"check.json"});
}

// The same for the --html pages (run/explain/prove), which write through write_html_file.
TEST_F(ReportFile, HtmlPagesAreWrittenTheSameWay) {
  const std::string old_page = big_text();
  std::string error;
  ASSERT_TRUE(write_html_file(path("t.html"), old_page, &error)) << error;
  std::ifstream reader(path("t.html"), std::ios::binary);
  ASSERT_TRUE(write_html_file(path("t.html"), "<html></html>\n", &error)) << error;
  std::stringstream seen;
  seen << reader.rdbuf();
  EXPECT_EQ(seen.str(), old_page) << "write_html_file truncated the page in place";
  EXPECT_EQ(slurp(path("t.html")), "<html></html>\n");
  EXPECT_EQ(files(), std::vector<std::string>{"t.html"});
}

TEST_F(ReportFile, AFolderThatIsNotThereIsAnErrorAndCreatesNothing) {
  std::string error;
  EXPECT_FALSE(write_report_file(path("no-such-dir/check.xml"), "x", &error));
  EXPECT_NE(error.find("cannot write " + path("no-such-dir/check.xml")), std::string::npos) << error;
  EXPECT_TRUE(files().empty());
  error.clear();
  EXPECT_FALSE(report_path_writable(path("no-such-dir/check.xml"), &error));
  EXPECT_NE(error.find("cannot write"), std::string::npos) << error;
}

TEST_F(ReportFile, AFolderAsDestinationIsAnErrorAndStaysAsItIs) {
  fs::create_directories(dir_ / "sub");
  std::string error;
  EXPECT_FALSE(write_report_file(path("sub"), "x", &error));
  EXPECT_FALSE(report_path_writable(path("sub"), &error));
  EXPECT_TRUE(fs::is_directory(dir_ / "sub"));
  EXPECT_EQ(files(), std::vector<std::string>{"sub"});
}

// Checked before a long run: it must not leave an empty report behind (a CI parser fails on one) nor
// touch an existing one.
TEST_F(ReportFile, TheWritableCheckLeavesNoFileAndKeepsAnExistingOne) {
  std::string error;
  EXPECT_TRUE(report_path_writable(path("check.json"), &error)) << error;
  EXPECT_TRUE(files().empty());
  ASSERT_TRUE(write_report_file(path("check.json"), "old\n", &error)) << error;
  EXPECT_TRUE(report_path_writable(path("check.json"), &error)) << error;
  EXPECT_EQ(slurp(path("check.json")), "old\n");
  EXPECT_EQ(files(), std::vector<std::string>{"check.json"});
}

}  // namespace
}  // namespace ptc::cli
