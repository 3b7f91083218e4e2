#include "probe/pcap.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace nslab::probe {

namespace {
template <typename T>
void append(std::string& s, T v) {
    char b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    s.append(b, sizeof v);
}
}  // namespace

std::string pcap_file_header(std::uint32_t snaplen, std::uint32_t linktype) {
    std::string h;
    append<std::uint32_t>(h, kPcapMagicNs);
    append<std::uint16_t>(h, 2);  // version 2.4
    append<std::uint16_t>(h, 4);
    append<std::int32_t>(h, 0);   // thiszone: timestamps are UTC
    append<std::uint32_t>(h, 0);  // sigfigs
    append<std::uint32_t>(h, snaplen);
    append<std::uint32_t>(h, linktype);
    return h;
}

std::string pcap_record_header(std::int64_t sec, std::uint32_t nsec, std::uint32_t caplen, std::uint32_t len) {
    std::string h;
    append<std::uint32_t>(h, static_cast<std::uint32_t>(sec));
    append<std::uint32_t>(h, nsec);
    append<std::uint32_t>(h, caplen);
    append<std::uint32_t>(h, len);
    return h;
}

PcapWriter::PcapWriter(const std::string& path) : path_(path) {
    if (path == "-") {
        fd_ = STDOUT_FILENO;
    } else {
        // Never through a planted symlink, into a FIFO or device, or over another user's file: the
        // capture may run as root in a directory such as /tmp.
        owned_ = sys::Fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644));
        if (!owned_) {
            if (errno == ELOOP) throw Error("capture file " + path + " is a symlink; refusing to write through it");
            if (errno == ENXIO) throw Error("capture file " + path + " is not a regular file (a FIFO nobody reads)");
            throw SystemError("create capture file " + path, errno);
        }
        struct stat st{};
        if (::fstat(owned_.get(), &st) < 0) throw SystemError("stat capture file " + path, errno);
        if (!S_ISREG(st.st_mode)) throw Error("capture file " + path + " is not a regular file");
        if (st.st_uid != ::geteuid())
            throw Error("capture file " + path + " belongs to uid " + std::to_string(st.st_uid) +
                        ", not to us; remove it or write elsewhere");
        if (::ftruncate(owned_.get(), 0) < 0) throw SystemError("truncate capture file " + path, errno);
        fd_ = owned_.get();
    }
    put(pcap_file_header());
}

void PcapWriter::write(std::int64_t sec, std::uint32_t nsec, std::string_view data, std::uint32_t len) {
    if (data.size() > kPcapSnaplen) data = data.substr(0, kPcapSnaplen);
    std::string rec = pcap_record_header(sec, nsec, static_cast<std::uint32_t>(data.size()), len);
    rec.append(data);
    put(rec);
}

void PcapWriter::put(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::write(fd_, bytes.data() + off, bytes.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError("write capture file " + path_, errno);
        off += static_cast<std::size_t>(n);
    }
}

}  // namespace nslab::probe
