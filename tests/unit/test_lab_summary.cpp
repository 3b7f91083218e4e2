// lab::summaries(), what `lab status` lists (and describe_labs() turns into JSON), read from a
// state dir of our own (NSLAB_RUN_DIR): no root, no lab running.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "lab/summary.hpp"
#include "util/error.hpp"

namespace {

using namespace nslab;
namespace fs = std::filesystem;

struct RunDir : ::testing::Test {
    fs::path dir;
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "nslab-summary-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
        ::setenv("NSLAB_RUN_DIR", dir.c_str(), 1);
    }
    void TearDown() override {
        ::unsetenv("NSLAB_RUN_DIR");
        fs::remove_all(dir);
    }
};

TEST_F(RunDir, EmptyAndMissing) {
    EXPECT_TRUE(lab::summaries().empty());
    fs::remove(dir);
    EXPECT_TRUE(lab::summaries().empty());  // no run dir yet: no labs
}

TEST_F(RunDir, IncompleteRecordedAndForeignNames) {
    fs::create_directory(dir / "half");     // a lab dir whose state was never written
    fs::create_directory(dir / "up1");
    fs::create_directory(dir / "not a lab");  // no lab's name: not listed
    lab::State st;
    st.lab = "up1";
    st.status = "up";
    st.source = "t.json";
    st.nodes = {{"r1", {}, ""}, {"r2", {}, ""}};
    lab::save(st);

    auto labs = lab::summaries();
    ASSERT_EQ(labs.size(), 2u);
    EXPECT_EQ(labs[0].name, "half");
    EXPECT_FALSE(labs[0].state);
    EXPECT_FALSE(labs[0].keeper_alive);
    EXPECT_EQ(labs[1].name, "up1");
    ASSERT_TRUE(labs[1].state);
    EXPECT_EQ(labs[1].state->status, "up");
    EXPECT_EQ(labs[1].state->nodes.size(), 2u);
    EXPECT_EQ(labs[1].state->source, "t.json");
    EXPECT_FALSE(labs[1].keeper_alive);  // no keeper recorded: none alive
}

TEST_F(RunDir, UntrustedRunDirIsRefused) {
    ::chmod(dir.c_str(), 0777);
    EXPECT_THROW(lab::summaries(), Error);
}

}  // namespace
