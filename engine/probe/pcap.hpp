// Classic pcap files (the format tcpdump -w writes and every Wireshark opens), with
// nanosecond timestamps and Ethernet link type. Each record goes out in one write(2), so the
// file is complete after every packet: a capture stopped by a signal leaves a valid file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sys/fd.hpp"

namespace nslab::probe {

constexpr std::uint32_t kPcapMagicNs = 0xa1b23c4d;  // nanosecond-resolution pcap
constexpr std::uint32_t kLinktypeEthernet = 1;
constexpr std::uint32_t kPcapSnaplen = 262144;

// The 24-byte file header and a 16-byte record header, in host byte order (readers detect
// the order from the magic).
std::string pcap_file_header(std::uint32_t snaplen = kPcapSnaplen, std::uint32_t linktype = kLinktypeEthernet);
std::string pcap_record_header(std::int64_t sec, std::uint32_t nsec, std::uint32_t caplen, std::uint32_t len);

class PcapWriter {
public:
    PcapWriter() = default;
    // Creates (truncates) `path`, or writes to standard output for "-".
    explicit PcapWriter(const std::string& path);
    PcapWriter(PcapWriter&&) noexcept = default;
    PcapWriter& operator=(PcapWriter&&) noexcept = default;

    // `data` is what was captured (at most the snaplen), `len` the length on the wire.
    void write(std::int64_t sec, std::uint32_t nsec, std::string_view data, std::uint32_t len);
    const std::string& path() const { return path_; }
    explicit operator bool() const { return fd_ >= 0; }

private:
    void put(const std::string& bytes);

    std::string path_;
    sys::Fd owned_;
    int fd_ = -1;
};

}  // namespace nslab::probe
