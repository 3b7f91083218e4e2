// Files nslab writes where other users may write too (issue 14, item 7): `graph -o` and state
// files go through write_file_atomic, `capture -w` through PcapWriter.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "probe/pcap.hpp"
#include "sys/files.hpp"
#include "util/error.hpp"

namespace {

using namespace nslab;

struct TempDir {
    std::string path;
    TempDir() {
        char t[] = "/tmp/nslab-unit-XXXXXX";
        path = ::mkdtemp(t);
    }
    ~TempDir() { sys::remove_tree(path); }
};

TEST(OutputFiles, AtomicWriteIgnoresAPlantedTemporaryName) {
    TempDir d;
    const std::string out = d.path + "/graph.html", target = d.path + "/victim";
    sys::write_file_atomic(target, "keep\n");
    // The temporary name used to be <path>.tmp.<pid>: planted as a symlink it failed the write
    // (ELOOP); planted as a file of another user, that user owned the result.
    ASSERT_EQ(::symlink(target.c_str(), (out + ".tmp." + std::to_string(::getpid())).c_str()), 0);
    sys::write_file_atomic(out, "<html>\n", 0644);
    EXPECT_EQ(sys::read_file(out), "<html>\n");
    EXPECT_EQ(sys::read_file(target), "keep\n");
    struct stat st{};
    ASSERT_EQ(::stat(out.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(OutputFiles, AtomicWriteReplacesASymlinkNotItsTarget) {
    TempDir d;
    const std::string out = d.path + "/graph.svg", target = d.path + "/victim";
    sys::write_file_atomic(target, "keep\n");
    ASSERT_EQ(::symlink(target.c_str(), out.c_str()), 0);
    sys::write_file_atomic(out, "new\n");
    EXPECT_EQ(sys::read_file(target), "keep\n");
    struct stat st{};
    ASSERT_EQ(::lstat(out.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST(OutputFiles, PcapRefusesASymlinkAndAFifo) {
    TempDir d;
    const std::string target = d.path + "/victim", link = d.path + "/cap.pcap", fifo = d.path + "/fifo";
    sys::write_file_atomic(target, "keep\n");
    ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
    try {
        probe::PcapWriter w(link);
        FAIL() << "wrote through a symlink";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("is a symlink"), std::string::npos) << e.what();
    }
    EXPECT_EQ(sys::read_file(target), "keep\n");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    try {
        probe::PcapWriter w(fifo);  // used to block forever in open()
        FAIL() << "wrote into a FIFO";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
}

TEST(OutputFiles, PcapTruncatesOurOwnFile) {
    TempDir d;
    const std::string path = d.path + "/cap.pcap";
    sys::write_file_atomic(path, std::string(1000, 'x'));
    { probe::PcapWriter w(path); }
    EXPECT_EQ(sys::read_file(path).size(), 24u);  // the pcap file header alone
}

}  // namespace
