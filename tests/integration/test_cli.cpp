// The `lab` command as a user runs it.
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "generate.hpp"
#include "harness.hpp"
#include "lab/paths.hpp"
#include "lab/state.hpp"
#include "sys/files.hpp"
#include "sys/process.hpp"

namespace nslab::test {

class Cli : public LabTest {};

TEST_F(Cli, UpStatusExecDown) {
    auto up = lab_cli({"up", topology("triangle.json")});
    ASSERT_EQ(up.code, 0) << up.out;
    EXPECT_TRUE(std::regex_search(up.out, std::regex("lab triangle up in [0-9.]+ (ms|s): 3 nodes, 3 links"))) << up.out;
    EXPECT_NE(up.out.find("r1"), std::string::npos);

    auto st = lab_cli({"status"});  // the only lab: its nodes
    ASSERT_EQ(st.code, 0) << st.out;
    EXPECT_NE(st.out.find("lab triangle: up, 3 nodes"), std::string::npos) << st.out;
    EXPECT_NE(st.out.find("eth1"), std::string::npos) << st.out;

    auto ex = lab_cli({"exec", "triangle", "r1", "--", "sh", "-c", "hostname; exit 7"});
    EXPECT_EQ(ex.code, 7);
    EXPECT_EQ(ex.out, "r1\n");
    auto ex2 = lab_cli({"exec", "r2", "--", "hostname"});  // LAB omitted: one lab runs
    EXPECT_EQ(ex2.code, 0);
    EXPECT_EQ(ex2.out, "r2\n");
    auto bad = lab_cli({"exec", "triangle", "nope", "--", "true"});
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.out.find("no node \"nope\""), std::string::npos) << bad.out;
    auto missing = lab_cli({"exec", "triangle", "r1", "--", "no-such-program-x"});
    EXPECT_NE(missing.code, 0);
    EXPECT_NE(missing.out.find("No such file"), std::string::npos) << missing.out;

    auto again = lab_cli({"up", topology("triangle.json")});
    EXPECT_EQ(again.code, 1);
    EXPECT_NE(again.out.find("lab triangle exists"), std::string::npos) << again.out;

    auto down = lab_cli({"down", "triangle"});
    EXPECT_EQ(down.code, 0) << down.out;
    EXPECT_EQ(lab_cli({"status"}).out, "no labs\n");
}

TEST_F(Cli, ValidateAndBadInput) {
    auto ok = lab_cli({"validate", topology("triangle.json"), topology("star.json")});
    EXPECT_EQ(ok.code, 0) << ok.out;
    std::string bad = "/tmp/nslab-test-bad.json";
    sys::write_file_atomic(bad, R"({"name": "bad", "nodes": {"a": {}}, "links": [{"endpoints": ["a:eth0", "zz:eth0"]}]})");
    auto v = lab_cli({"validate", bad});
    EXPECT_EQ(v.code, 2);
    EXPECT_NE(v.out.find("/links/0/endpoints/1"), std::string::npos) << v.out;
    auto up = lab_cli({"up", bad});
    EXPECT_EQ(up.code, 2);
    EXPECT_NE(up.out.find("/links/0/endpoints/1"), std::string::npos) << up.out;
    ::unlink(bad.c_str());
    EXPECT_EQ(lab_cli({"frobnicate"}).code, 2);
    EXPECT_EQ(lab_cli({"down", "no-such-lab"}).code, 1);
}

TEST_F(Cli, TwoLabsWithTheSameNodeNames) {
    ASSERT_EQ(lab_cli({"up", "-q", topology("triangle.json"), "--name", "tri-a"}).code, 0);
    ASSERT_EQ(lab_cli({"up", "-q", topology("triangle.json"), "--name", "tri-b"}).code, 0);
    auto a = lab::Lab::attach("tri-a"), b = lab::Lab::attach("tri-b");
    EXPECT_TRUE(ping_all(a).empty());
    EXPECT_TRUE(ping_all(b).empty());
    auto st = lab_cli({"status"});
    EXPECT_NE(st.out.find("tri-a"), std::string::npos);
    EXPECT_NE(st.out.find("tri-b"), std::string::npos);
    EXPECT_EQ(lab_cli({"exec", "r1", "--", "true"}).code, 1);  // ambiguous: two labs
    EXPECT_EQ(lab_cli({"down", "tri-a"}).code, 0);
    EXPECT_EQ(lab_cli({"down", "tri-b"}).code, 0);
}

TEST_F(Cli, RoutedLineOf100) {
    std::string path = "/tmp/nslab-test-line100.json";
    sys::write_file_atomic(path, routed_line("line100", 100));
    auto up = lab_cli({"up", "-q", path});
    ASSERT_EQ(up.code, 0) << up.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(up.out, m, std::regex("up in ([0-9.]+) (ms|s)"))) << up.out;
    double ms = std::stod(m[1]) * (m[2] == "s" ? 1000 : 1);
    RecordProperty("up_ms", std::to_string(ms));
    std::printf("100-router line up in %.1f ms\n", ms);
    EXPECT_LT(ms, 20000) << "an order of magnitude slower than expected";
    auto l = lab::Lab::attach("line100");
    EXPECT_TRUE(ping(l, "r1", "10.1.99.2"));   // 99 hops to the far end
    EXPECT_TRUE(ping(l, "r100", "10.1.1.1"));
    EXPECT_EQ(lab_cli({"down", "line100"}).code, 0);
    ::unlink(path.c_str());
}

TEST_F(Cli, CleanAfterKillDuringWiring) {
    std::string path = "/tmp/nslab-test-kill.json";
    sys::write_file_atomic(path, routed_line("killme", 150));
    std::mt19937 rng(20261122);
    for (int round = 0; round < 6; ++round) {
        int delay_ms = std::uniform_int_distribution<int>(2, 120)(rng);
        pid_t pid = ::fork();
        if (pid == 0) {
            int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, 1);
            ::dup2(devnull, 2);
            ::execl(lab_bin().c_str(), "lab", "up", "-q", path.c_str(), (char*)nullptr);
            _exit(127);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        // kill -9 the `lab up` and, when it exists already, the keeper building the lab.
        ::kill(pid, SIGKILL);
        if (auto st = lab::load("killme")) ::kill(st->keeper.pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        auto c = lab_cli({"clean"});
        EXPECT_EQ(c.code, 0) << c.out;
        // A keeper that survived rolls back by itself (its starter died); give it a moment.
        for (int i = 0; i < 50 && sys::exists("/run/nslab/killme"); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            lab_cli({"clean"});
        }
        EXPECT_FALSE(sys::exists("/run/nslab/killme")) << "round " << round << ", killed after " << delay_ms << " ms";
        std::string d;
        for (int i = 0; i < 30; ++i) {
            d = Snapshot::diff(before_, Snapshot::take());
            if (d.empty()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        EXPECT_EQ(d, "") << "round " << round << ", killed after " << delay_ms << " ms";
    }
    ::unlink(path.c_str());
}

TEST_F(Cli, FiftyCyclesLeaveNothing) {
    for (int i = 0; i < 50; ++i) {
        const char* ex = i % 2 ? "star.json" : "triangle.json";
        auto up = lab_cli({"up", "-q", topology(ex), "--name", "cycle"});
        ASSERT_EQ(up.code, 0) << "cycle " << i << ": " << up.out;
        ASSERT_EQ(lab_cli({"down", "cycle"}).code, 0);
    }
    auto after = Snapshot::take();
    EXPECT_EQ(Snapshot::diff(before_, after), "");
}

TEST_F(Cli, EphemeralLabDiesWithItsOwner) {
    pid_t pid = ::fork();
    if (pid == 0) {
        lab::UpOptions o;
        o.ephemeral = true;
        o.name = "orphan";
        try {
            lab::Lab::up_file(topology("star.json"), o);
        } catch (...) {
            _exit(1);
        }
        ::pause();  // killed below, with no chance to clean up
        _exit(0);
    }
    for (int i = 0; i < 100 && !(lab::load("orphan") && lab::load("orphan")->status == "up"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(lab::load("orphan")) << "the child did not bring its lab up";
    ASSERT_EQ(lab::load("orphan")->status, "up");
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    for (int i = 0; i < 100 && sys::exists("/run/nslab/orphan"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(sys::exists("/run/nslab/orphan"));
}

}  // namespace nslab::test

namespace nslab::test {

// `lab shell` under a real terminal (util-linux `script` gives it a pty): the shell runs
// in the node, reads the terminal, and its exit ends the command.
TEST_F(Cli, ShellRunsInTheNodeOnATerminal) {
    ASSERT_EQ(lab_cli({"up", "-q", topology("triangle.json"), "--name", "shell"}).code, 0);
    auto r = sh("printf 'echo TTY=$(tty | cut -c1-8) HOST=$(hostname)\\nexit 5\\n' | SHELL=/bin/sh script -qec '" +
                lab_bin() + " shell shell r2' /dev/null");
    EXPECT_NE(r.out.find("TTY=/dev/pts HOST=r2"), std::string::npos) << r.out;
    EXPECT_EQ(r.code, 5) << r.out;
    EXPECT_EQ(lab_cli({"down", "shell"}).code, 0);
}

}  // namespace nslab::test

namespace nslab::test {

// A process is never judged by its name: one that calls itself nslab-init and whose parent is
// gone, but that no lab recorded, is not ours to kill (lab clean used to kill it).
TEST_F(Cli, CleanLeavesUnrecordedProcessesNamedLikeInits) {
    sys::Pipe p = sys::make_pipe();
    pid_t mid = ::fork();
    if (mid == 0) {
        int pidfd = -1;
        pid_t init = sys::clone_process(CLONE_NEWPID, &pidfd);
        if (init == 0) {
            ::prctl(PR_SET_NAME, "nslab-init");
            for (;;) ::pause();
        }
        (void)!::write(p.write.get(), &init, sizeof init);
        _exit(0);  // its parent dies; it looks like an orphaned init
    }
    p.write.reset();
    pid_t decoy = 0;
    ASSERT_EQ(::read(p.read.get(), &decoy, sizeof decoy), static_cast<ssize_t>(sizeof decoy));
    ::waitpid(mid, nullptr, 0);
    auto id = sys::identity_of(decoy);
    ASSERT_TRUE(id) << "the decoy should be running";
    sys::Fd fd = sys::open_verified(*id);
    auto c = lab_cli({"clean"});
    EXPECT_EQ(c.code, 0) << c.out;
    EXPECT_TRUE(sys::identity_of(decoy)) << "lab clean killed a process it never started: " << c.out;
    sys::pidfd_signal(fd.get(), SIGKILL);
    sys::pidfd_wait_exit(fd.get(), 5000);
}

// The inits of a lab whose keeper is gone are found by the identity its state recorded (PID and
// start time, this boot); a recorded PID now held by another process is left alone.
TEST_F(Cli, CleanEndsRecordedInitsOfADeadLab) {
    auto child = [] {
        pid_t pid = ::fork();
        if (pid == 0) {
            for (;;) ::pause();
        }
        return pid;
    };
    pid_t init = child(), other = child();
    pid_t gone = ::fork();
    if (gone == 0) _exit(0);
    auto gone_id = sys::identity_of(gone);
    ::waitpid(gone, nullptr, 0);
    auto init_id = sys::identity_of(init), other_id = sys::identity_of(other);
    ASSERT_TRUE(init_id && other_id);
    lab::State st;
    st.lab = "forged";
    st.status = "up";
    st.boot_id = sys::boot_id();
    st.keeper = {gone, gone_id ? gone_id->starttime : 1};
    st.nodes = {{"a", *init_id, ""}, {"b", {other, other_id->starttime + 1}, ""}};  // b: a reused PID
    sys::mkdir_p(lab::lab_dir("forged"), 0700);
    lab::save(st);
    auto c = lab_cli({"clean"});
    EXPECT_EQ(c.code, 0) << c.out;
    EXPECT_NE(c.out.find("removed leftovers of lab forged"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("1 stray node processes killed"), std::string::npos) << c.out;
    EXPECT_FALSE(sys::identity_of(init)) << "the recorded init was not killed";  // (reaped by lab_cli)
    ::waitpid(init, nullptr, WNOHANG);
    EXPECT_TRUE(sys::identity_of(other)) << "a process that only reuses a recorded PID was killed";
    ::kill(other, SIGKILL);
    ::waitpid(other, nullptr, 0);
    EXPECT_FALSE(sys::exists(lab::lab_dir("forged")));
}

}  // namespace nslab::test
