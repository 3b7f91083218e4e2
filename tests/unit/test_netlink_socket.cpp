// Socket::execute against the fake kernel: sequence numbers, batching under the send buffer and
// the ack budget, failures mapped back to their messages with the extended ACK.
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <set>

#include "fake_transport.hpp"
#include "netlink/netlink.hpp"

namespace nl = nslab::nl;
namespace net = nslab::net;
using nl::testing::Datagram;
using nl::testing::error_for;
using nl::testing::fake_socket;

namespace {

std::vector<nl::Message> addresses(std::size_t n) {
    std::vector<nl::Message> msgs;
    for (std::size_t i = 0; i < n; ++i) {
        auto p = *net::Prefix::parse("10.0.0.0/8");
        msgs.push_back(nl::new_address(2, p.host(i + 1)));
    }
    return msgs;
}

nl::Message link_with_mtu(std::uint32_t mtu) {
    nl::LinkChange c;
    c.name = "eth" + std::to_string(mtu);
    c.mtu = mtu;
    return nl::set_link(c);
}

}  // namespace

TEST(NetlinkSocket, AssignsIncreasingSeqPortZeroAndForcesAck) {
    auto [sock, k] = fake_socket();
    auto msgs = addresses(3);
    // A caller's message without NLM_F_ACK would leave us waiting for an ack forever.
    reinterpret_cast<nlmsghdr*>(msgs[1].bytes.data())->nlmsg_flags &= ~NLM_F_ACK;
    reinterpret_cast<nlmsghdr*>(msgs[2].bytes.data())->nlmsg_pid = 77;
    EXPECT_TRUE(sock.execute(msgs).empty());
    EXPECT_TRUE(sock.execute(addresses(2)).empty());

    auto sent = k->sent_messages();
    ASSERT_EQ(sent.size(), 5u);
    for (std::size_t i = 0; i < sent.size(); ++i) {
        EXPECT_EQ(sent[i]->nlmsg_seq, sent[0]->nlmsg_seq + i);
        EXPECT_EQ(sent[i]->nlmsg_pid, 0u);
        EXPECT_TRUE(sent[i]->nlmsg_flags & NLM_F_ACK);
    }
    // The caller's messages are not modified.
    EXPECT_EQ(reinterpret_cast<nlmsghdr*>(msgs[2].bytes.data())->nlmsg_pid, 77u);
    EXPECT_EQ(k->sent.size(), 2u);  // small batches go out in one send each
}

TEST(NetlinkSocket, EmptyBatchSendsNothing) {
    auto [sock, k] = fake_socket();
    EXPECT_TRUE(sock.execute({}).empty());
    EXPECT_TRUE(k->sent.empty());
    EXPECT_EQ(k->recv_calls, 0u);
}

TEST(NetlinkSocket, ThousandMessagesGoInChunksUnderSendBufferWithAcksReadBetween) {
    auto [sock, k] = fake_socket();
    k->send_buffer = 4096;
    k->rx_capacity = 100;  // a receive buffer that a naive "send all, then read" would overflow
    auto msgs = addresses(1000);
    EXPECT_TRUE(sock.execute(msgs).empty());

    EXPECT_GT(k->sent.size(), 10u);
    std::size_t total = 0;
    for (const auto& d : k->sent) {
        EXPECT_LE(d.size(), k->send_buffer);
        total += nl::testing::split(d).size();
    }
    EXPECT_EQ(total, 1000u);
    // Every ack of the previous chunk was consumed before the next send.
    for (std::size_t left : k->rx_left_at_send) EXPECT_EQ(left, 0u);
    EXPECT_TRUE(k->rx.empty());
    // Messages go out in order, byte for byte apart from seq/pid.
    auto sent = k->sent_messages();
    ASSERT_EQ(sent.size(), msgs.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        ASSERT_EQ(sent[i]->nlmsg_len, msgs[i].bytes.size());
        EXPECT_EQ(std::memcmp(reinterpret_cast<const std::uint8_t*>(sent[i]) + sizeof(nlmsghdr),
                              msgs[i].bytes.data() + sizeof(nlmsghdr), msgs[i].bytes.size() - sizeof(nlmsghdr)),
                  0);
    }
}

TEST(NetlinkSocket, AHugeSendBufferStillCapsMessagesInFlight) {
    auto [sock, k] = fake_socket();
    k->send_buffer = 1 << 20;
    k->rx_capacity = 64;
    EXPECT_TRUE(sock.execute(addresses(1000)).empty());
    for (const auto& d : k->sent) EXPECT_LE(nl::testing::split(d).size(), 64u);
    EXPECT_EQ(k->sent.size(), (1000u + 63) / 64);
}

TEST(NetlinkSocket, MessageLargerThanSendBufferGoesAlone) {
    auto [sock, k] = fake_socket();
    auto msgs = addresses(3);
    k->send_buffer = msgs[0].bytes.size();  // exactly one message per send
    EXPECT_TRUE(sock.execute(msgs).empty());
    EXPECT_EQ(k->sent.size(), 3u);
}

TEST(NetlinkSocket, FailureOnThirdOfFiveIsMappedAndTheRestStillRun) {
    auto [sock, k] = fake_socket();
    k->respond = [](const nlmsghdr* nlh, std::size_t index) -> std::vector<Datagram> {
        if (index == 2) return {error_for(nlh, EINVAL, "Invalid MTU")};
        return {error_for(nlh, 0)};
    };
    std::vector<nl::Message> msgs;
    for (std::uint32_t mtu : {1500, 1400, 10, 9000, 1280}) msgs.push_back(link_with_mtu(mtu));
    auto failures = sock.execute(msgs);
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].index, 2u);
    EXPECT_EQ(failures[0].err, EINVAL);
    EXPECT_EQ(failures[0].ext_ack, "Invalid MTU");
    EXPECT_EQ(failures[0].what, "set link eth10 mtu 10");
    EXPECT_EQ(k->sent_messages().size(), 5u);
    EXPECT_TRUE(k->rx.empty());
}

TEST(NetlinkSocket, FailuresAcrossChunksComeInBatchOrder) {
    auto [sock, k] = fake_socket();
    k->send_buffer = 1024;
    std::set<std::size_t> failing{0, 7, 63, 64, 65, 199};
    k->respond = [&](const nlmsghdr* nlh, std::size_t index) -> std::vector<Datagram> {
        if (failing.count(index)) return {error_for(nlh, EEXIST, index % 2 ? "odd" : "")};
        return {error_for(nlh, 0)};
    };
    auto failures = sock.execute(addresses(200));
    ASSERT_EQ(failures.size(), failing.size());
    std::size_t i = 0;
    for (std::size_t index : failing) {
        EXPECT_EQ(failures[i].index, index);
        EXPECT_EQ(failures[i].err, EEXIST);
        EXPECT_EQ(failures[i].ext_ack, index % 2 ? "odd" : "");
        ++i;
    }
}

TEST(NetlinkSocket, UncappedErrorsEchoTheRequestAndExtAckStillFound) {
    auto [sock, k] = fake_socket();
    k->respond = [](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        return {error_for(nlh, ERANGE, "Out of range", /*capped=*/false)};
    };
    auto failures = sock.execute(addresses(2));
    ASSERT_EQ(failures.size(), 2u);
    EXPECT_EQ(failures[1].err, ERANGE);
    EXPECT_EQ(failures[1].ext_ack, "Out of range");
}

TEST(NetlinkSocket, AcksPackedReorderedStaleOrMixedWithNoiseAreMatchedBySeq) {
    auto [sock, k] = fake_socket();
    std::vector<Datagram> pending;
    // Acks withheld until the last message of the chunk, then delivered in one datagram in
    // reverse order, preceded by a stale ack and an NLMSG_DONE that belong to nothing.
    k->respond = [&](const nlmsghdr* nlh, std::size_t index) -> std::vector<Datagram> {
        pending.push_back(error_for(nlh, index == 1 ? EBUSY : 0));
        if (index < 3) return {};
        nlmsghdr stale = *nlh;
        stale.nlmsg_seq -= 1000;
        std::vector<Datagram> parts{error_for(&stale, EPERM), nl::testing::done(nlh->nlmsg_seq)};
        parts.insert(parts.end(), pending.rbegin(), pending.rend());
        return {nl::testing::multipart(parts)};
    };
    auto failures = sock.execute(addresses(4));
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].index, 1u);
    EXPECT_EQ(failures[0].err, EBUSY);
    EXPECT_EQ(k->recv_calls, 1u);
}

TEST(NetlinkSocket, DuplicateAckForTheSameSeqCountsOnce) {
    auto [sock, k] = fake_socket();
    k->respond = [&](const nlmsghdr* nlh, std::size_t index) -> std::vector<Datagram> {
        if (index == 0) return {error_for(nlh, 0), error_for(nlh, EIO)};
        return {error_for(nlh, 0)};
    };
    // The second datagram for message 0 is still unread when message 1's ack arrives; the
    // socket must not mistake it for message 1's ack.
    auto failures = sock.execute(addresses(2));
    EXPECT_TRUE(failures.empty());
}

TEST(NetlinkSocket, MalformedMessageIsRejectedBeforeAnythingIsSent) {
    auto [sock, k] = fake_socket();
    auto msgs = addresses(2);
    msgs[1].bytes.push_back(0);
    EXPECT_THROW(sock.execute(msgs), std::invalid_argument);
    msgs[1].bytes.resize(8);
    EXPECT_THROW(sock.execute(msgs), std::invalid_argument);
    EXPECT_TRUE(k->sent.empty());
}

TEST(NetlinkSocket, ReceiveOverflowSurfacesAsSystemError) {
    auto [sock, k] = fake_socket();
    k->rx_capacity = 1;
    k->respond = [](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        return {error_for(nlh, 0), error_for(nlh, 0)};
    };
    try {
        sock.execute(addresses(1));
        FAIL() << "no exception";
    } catch (const nslab::SystemError& e) {
        EXPECT_EQ(e.err(), ENOBUFS);
    }
}

TEST(NetlinkSocket, ExecuteOrThrowNamesFirstFailureAndCountsTheRest) {
    auto [sock, k] = fake_socket();
    k->respond = [](const nlmsghdr* nlh, std::size_t index) -> std::vector<Datagram> {
        if (index == 0) return {error_for(nlh, 0)};
        return {error_for(nlh, index == 1 ? EINVAL : EEXIST, index == 1 ? "mtu less than device minimum" : "")};
    };
    std::vector<nl::Message> msgs{link_with_mtu(1500), link_with_mtu(10), link_with_mtu(20), link_with_mtu(30)};
    msgs[1].what = "create veth r1:eth1 <-> r2:eth1";
    try {
        sock.execute_or_throw(msgs, "node r1");
        FAIL() << "no exception";
    } catch (const nl::NetlinkError& e) {
        EXPECT_STREQ(e.what(),
                     "node r1: create veth r1:eth1 <-> r2:eth1: Invalid argument (mtu less than device minimum) "
                     "(and 2 more failures)");
        EXPECT_EQ(e.op(), "create veth r1:eth1 <-> r2:eth1");
        EXPECT_EQ(e.err(), EINVAL);
        EXPECT_EQ(e.detail(), "mtu less than device minimum");
        ASSERT_EQ(e.failures().size(), 3u);
        EXPECT_EQ(e.failures()[2].index, 3u);
    }
}

TEST(NetlinkSocket, ExecuteOrThrowSingleFailureWithoutContextOrExtAck) {
    auto [sock, k] = fake_socket();
    k->respond = [](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> { return {error_for(nlh, ENODEV)}; };
    try {
        sock.execute_or_throw({link_with_mtu(1500)});
        FAIL() << "no exception";
    } catch (const nslab::SystemError& e) {  // catchable as the base type
        EXPECT_STREQ(e.what(), "set link eth1500 mtu 1500: No such device");
    }
}

TEST(NetlinkSocket, ExecuteOrThrowOneMoreIsSingular) {
    auto [sock, k] = fake_socket();
    k->respond = [](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> { return {error_for(nlh, EEXIST)}; };
    try {
        sock.execute_or_throw(addresses(2), "links");
        FAIL() << "no exception";
    } catch (const nl::NetlinkError& e) {
        EXPECT_STREQ(e.what(), "links: add address 10.0.0.1/8 on ifindex 2: File exists (and 1 more failure)");
    }
}

TEST(NetlinkSocket, ExecuteOrThrowSilentOnSuccess) {
    auto [sock, k] = fake_socket();
    EXPECT_NO_THROW(sock.execute_or_throw(addresses(10), "x"));
}

TEST(NetlinkSocket, NetlinkErrorFromOneFailure) {
    nl::NetlinkError e("add route 10.0.0.0/8", ENETUNREACH, "Nexthop has invalid gateway");
    EXPECT_STREQ(e.what(), "add route 10.0.0.0/8: Network is unreachable (Nexthop has invalid gateway)");
    EXPECT_EQ(e.op(), "add route 10.0.0.0/8");
    EXPECT_EQ(e.detail(), "Nexthop has invalid gateway");
    ASSERT_EQ(e.failures().size(), 1u);
}

TEST(NetlinkSocket, MovedSocketKeepsItsSequence) {
    auto [sock, k] = fake_socket();
    EXPECT_TRUE(sock.execute(addresses(2)).empty());
    nl::Socket other = std::move(sock);
    EXPECT_TRUE(other.execute(addresses(1)).empty());
    auto sent = k->sent_messages();
    EXPECT_EQ(sent[2]->nlmsg_seq, sent[1]->nlmsg_seq + 1);
    EXPECT_EQ(other.fd(), -1);
}
