// Bad topologies, one rule each: every row names the JSON pointer the issue must be reported at
// and words its message must contain. Messages are for humans, so the rows pin the important
// words (and the suggestions), not every character.
#include <gtest/gtest.h>

#include "topology/model.hpp"

namespace {

using namespace nslab;

struct Bad {
    const char* label;
    const char* json;
    const char* pointer;
    const char* message;  // substring
    const char* name_override = "";
};

std::ostream& operator<<(std::ostream& os, const Bad& b) { return os << b.label; }

// Two hosts and a router, linked; rows that need a valid frame around one defect start here.
#define LAB(nodes, links) R"({"name": "t", "nodes": {)" nodes R"(}, "links": [)" links "]}"
#define H1 R"("h1": {})"
#define R1 R"("r1": {"kind": "router"})"
#define S1 R"("s1": {"kind": "switch"})"
#define H1_R1 R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.0.2/24", "10.0.0.1/24"]})"
#define ROUTES(list) R"("h1": {"routes": [)" list "]}"
#define NETEM(object) R"({"endpoints": ["h1:eth0", "r1:eth0"], "netem": )" object "}"

const Bad kBad[] = {
    // --- the document ---
    {"json_syntax", "{\n  \"name\": \"t\",\n  \"nodes\": {,}\n}", "",
     "invalid JSON at line 3, column 13: syntax error while parsing object key"},
    {"json_unterminated", R"({"name": "t")", "", "invalid JSON at line 1, column 13"},
    // nlohmann throws out_of_range (not parse_error) for a number beyond a double: found by fuzzing.
    {"json_number_overflow", R"({"name": 789E12365678906234})", "", "invalid JSON: number overflow parsing '789E12365678906234'"},
    {"json_duplicate_key", R"({"name": "t", "nodes": {"h1": {}, "h1": {"kind": "router"}}})", "/nodes/h1",
     "duplicate key \"h1\""},
    // The first "links" is replaced by the second: the duplicate inside it is not reported,
    // as its pointer would name nothing (found by fuzzing).
    {"json_duplicate_inside_replaced_value",
     R"({"name": "t", "links": {"h1": {"a": 1, "a": 2}}, "links": []})", "/links", "duplicate key \"links\""},
    {"not_an_object", "[]", "", "expected an object, got a list"},
    {"unknown_top_key", R"({"name": "t", "nodes": {}, "lnks": []})", "/lnks", "unknown key \"lnks\"; did you mean \"links\"?"},
    {"unknown_key_lists_known", R"({"name": "t", "nodes": {}, "zzzzzzzz": 1})", "/zzzzzzzz",
     "unknown key \"zzzzzzzz\"; known keys: version, name, nodes, links, defaults, addressing"},
    {"version_unsupported", R"({"version": 2, "name": "t", "nodes": {}})", "/version",
     "unsupported version 2 (this build knows version 1)"},
    {"version_type", R"({"version": "1", "name": "t", "nodes": {}})", "/version", "expected a non-negative integer, got a string"},
    {"name_missing", R"({"nodes": {}})", "", "missing \"name\""},
    {"name_type", R"({"name": 7, "nodes": {}})", "/name", "expected a string, got an integer"},
    {"name_bad", R"({"name": "Lab_1", "nodes": {}})", "/name", "invalid lab name \"Lab_1\""},
    {"name_too_long", R"({"name": "a23456789012345678901234567890123", "nodes": {}})", "/name", "at most 32 characters"},
    {"name_override_bad", R"({"name": "t", "nodes": {}})", "", "--name: invalid lab name \"Not OK\"", "Not OK"},
    {"nodes_missing", R"({"name": "t"})", "", "missing \"nodes\""},
    {"links_type", R"({"name": "t", "nodes": {}, "links": {}})", "/links", "expected a list, got an object"},

    // --- nodes ---
    {"node_name_upper", LAB(R"("R1": {})", ""), "/nodes/R1", "invalid node name \"R1\""},
    {"node_name_too_long", LAB(R"("abcdefghijklmnop": {})", ""), "/nodes/abcdefghijklmnop", "at most 15 characters"},
    {"node_name_escaped", LAB(R"("a/b": {})", ""), "/nodes/a~1b", "invalid node name \"a/b\""},
    {"node_type", LAB(R"("h1": [])", ""), "/nodes/h1", "expected an object, got a list"},
    {"node_unknown_key", LAB(R"("h1": {"kidn": "host"})", ""), "/nodes/h1/kidn", "unknown key \"kidn\"; did you mean \"kind\"?"},
    {"kind_bad", LAB(R"("r1": {"kind": "rooter"})", ""), "/nodes/r1/kind", "unknown kind \"rooter\"; did you mean \"router\"?"},
    {"namespace_unknown", LAB(R"("h1": {"namespaces": ["pdi"]})", ""), "/nodes/h1/namespaces/0",
     "unknown namespace \"pdi\"; did you mean \"pid\"?"},
    {"namespace_net", LAB(R"("h1": {"namespaces": ["uts", "net"]})", ""), "/nodes/h1/namespaces/1", "\"net\" is always on"},
    {"namespace_twice", LAB(R"("h1": {"namespaces": ["uts", "uts"]})", ""), "/nodes/h1/namespaces/1", "\"uts\" is listed twice"},
    {"hostname_without_uts", LAB(R"("h1": {"namespaces": ["mnt"], "hostname": "web"})", ""), "/nodes/h1/hostname",
     "hostname needs the \"uts\" namespace"},
    {"hostname_bad", LAB(R"("h1": {"hostname": "a b"})", ""), "/nodes/h1/hostname", "invalid hostname \"a b\""},
    {"loopback_bad_cidr", LAB(R"("h1": {"loopback": ["10.0.0.300/32"]})", ""), "/nodes/h1/loopback/0",
     "\"10.0.0.300/32\" is not an address in CIDR notation"},
    {"loopback_no_length", LAB(R"("h1": {"loopback": ["10.0.0.1"]})", ""), "/nodes/h1/loopback/0",
     "\"10.0.0.1\" needs a prefix length, e.g. \"10.0.0.1/24\""},
    {"loopback_multicast", LAB(R"("h1": {"loopback": ["224.0.0.5/32"]})", ""), "/nodes/h1/loopback/0", "is a multicast address"},
    {"sysctl_global", LAB(R"("h1": {"sysctls": {"vm.swappiness": "10"}})", ""), "/nodes/h1/sysctls/vm.swappiness",
     "\"vm.swappiness\" is not per-namespace: it would change the host"},
    {"sysctl_ipc_without_ipc", LAB(R"("h1": {"namespaces": ["uts"], "sysctls": {"kernel.shmmax": "1"}})", ""),
     "/nodes/h1/sysctls/kernel.shmmax", "belongs to the \"ipc\" namespace, which node \"h1\" does not have"},
    {"sysctl_slashes", LAB(R"("h1": {"sysctls": {"net/ipv4/ip_forward": "1"}})", ""),
     "/nodes/h1/sysctls/net~1ipv4~1ip_forward", "did you mean \"net.ipv4.ip_forward\"?"},
    {"sysctl_dotdot", LAB(R"("h1": {"sysctls": {"net..x": "1"}})", ""), "/nodes/h1/sysctls/net..x", "invalid sysctl key"},
    {"sysctl_value_type", LAB(R"("h1": {"sysctls": {"net.ipv4.ip_forward": true}})", ""),
     "/nodes/h1/sysctls/net.ipv4.ip_forward", "expected a string (or an integer), got a boolean"},
    {"env_value_type", LAB(R"("h1": {"env": {"A": 1}})", ""), "/nodes/h1/env/A", "expected a string, got an integer"},
    {"env_bad_name", LAB(R"("h1": {"env": {"A=B": "1"}})", ""), "/nodes/h1/env/A=B", "invalid environment variable name"},
    {"exec_type", LAB(R"("h1": {"exec": "true"})", ""), "/nodes/h1/exec", "expected a list, got a string"},
    {"exec_element", LAB(R"("h1": {"exec": ["true", 3]})", ""), "/nodes/h1/exec/1", "expected a string, got an integer"},
    {"private_dir_relative", LAB(R"("h1": {"private_dirs": ["etc/frr"]})", ""), "/nodes/h1/private_dirs/0",
     "\"etc/frr\" is not an absolute path"},
    {"private_dir_dotdot", LAB(R"("h1": {"private_dirs": ["/etc/../root"]})", ""), "/nodes/h1/private_dirs/0",
     "\"/etc/../root\" contains \"..\""},
    {"private_dir_root", LAB(R"("h1": {"private_dirs": ["//"]})", ""), "/nodes/h1/private_dirs/0", "cannot be a private dir"},
    {"private_dir_twice", LAB(R"("h1": {"private_dirs": ["/etc/frr", "/etc//frr/"]})", ""), "/nodes/h1/private_dirs/1",
     "\"/etc/frr\" is listed twice"},
    {"private_dir_bad_mode", LAB(R"("h1": {"private_dirs": [{"path": "/etc/frr", "mode": "0788"}]})", ""),
     "/nodes/h1/private_dirs/0/mode", "\"0788\" is not a mode"},
    {"private_dir_mode_number", LAB(R"("h1": {"private_dirs": [{"path": "/etc/frr", "mode": 493}]})", ""),
     "/nodes/h1/private_dirs/0/mode", "expected a string, got an integer"},
    {"private_dir_bad_owner", LAB(R"("h1": {"private_dirs": [{"path": "/etc/frr", "owner": "frr:"}]})", ""),
     "/nodes/h1/private_dirs/0/owner", "\"frr:\" is not an owner"},
    {"private_dir_no_path", LAB(R"("h1": {"private_dirs": [{"owner": "frr"}]})", ""), "/nodes/h1/private_dirs/0",
     "needs \"path\""},
    {"private_dir_unknown_key", LAB(R"("h1": {"private_dirs": [{"path": "/etc/frr", "user": "frr"}]})", ""),
     "/nodes/h1/private_dirs/0/user", "unknown key"},
    {"private_dir_type", LAB(R"("h1": {"private_dirs": [7]})", ""), "/nodes/h1/private_dirs/0",
     "a private dir is a path or an object"},
    {"private_dir_object_twice", LAB(R"("h1": {"private_dirs": ["/etc/frr", {"path": "/etc/frr/"}]})", ""),
     "/nodes/h1/private_dirs/1", "\"/etc/frr\" is listed twice"},
    {"private_dirs_without_mnt", LAB(R"("h1": {"namespaces": ["uts"], "private_dirs": ["/etc/frr"]})", ""),
     "/nodes/h1/private_dirs", "needs the \"mnt\" namespace"},
    {"file_outside", LAB(R"("h1": {"private_dirs": ["/etc/frr"], "files": {"/etc/passwd": "x"}})", ""),
     "/nodes/h1/files/~1etc~1passwd", "\"/etc/passwd\" is outside node \"h1\"'s private_dirs (/etc/frr)"},
    {"file_no_private_dirs", LAB(R"("h1": {"files": {"/tmp/x": "x"}})", ""), "/nodes/h1/files/~1tmp~1x",
     "node \"h1\" has no private_dirs"},
    {"file_prefix_is_not_inside", LAB(R"("h1": {"private_dirs": ["/etc/frr"], "files": {"/etc/frrx/a": ""}})", ""),
     "/nodes/h1/files/~1etc~1frrx~1a", "is outside"},
    {"file_relative", LAB(R"("h1": {"private_dirs": ["/etc/frr"], "files": {"frr.conf": "x"}})", ""),
     "/nodes/h1/files/frr.conf", "is not an absolute path"},
    {"file_dotdot", LAB(R"("h1": {"private_dirs": ["/etc/frr"], "files": {"/etc/frr/../shadow": "x"}})", ""),
     "/nodes/h1/files/~1etc~1frr~1..~1shadow", "contains \"..\""},
    {"file_is_the_dir", LAB(R"("h1": {"private_dirs": ["/etc/frr"], "files": {"/etc/frr/": "x"}})", ""),
     "/nodes/h1/files/~1etc~1frr~1", "is a private dir itself"},
    {"file_content_type", LAB(R"("h1": {"private_dirs": ["/d"], "files": {"/d/f": 1}})", ""), "/nodes/h1/files/~1d~1f",
     "expected a string, got an integer"},
    {"rootfs_relative", LAB(R"("h1": {"rootfs": "srv/root"})", ""), "/nodes/h1/rootfs", "is not an absolute path"},
    {"limits_unknown", LAB(R"("h1": {"limits": {"memroy": "1G"}})", ""), "/nodes/h1/limits/memroy",
     "unknown key \"memroy\"; did you mean \"memory\"?"},
    {"limits_cpus", LAB(R"("h1": {"limits": {"cpus": 0}})", ""), "/nodes/h1/limits/cpus", "expected a positive number of CPUs"},
    // 1e308 CPUs overflowed the 64-bit cpu.max quota (issue 14, item 13).
    {"limits_cpus_huge", LAB(R"("h1": {"limits": {"cpus": 1e308}})", ""), "/nodes/h1/limits/cpus",
     "expected a positive number of CPUs up to 4096"},
    {"limits_memory", LAB(R"("h1": {"limits": {"memory": "lots"}})", ""), "/nodes/h1/limits/memory",
     "expected a positive size"},
    {"limits_pids", LAB(R"("h1": {"limits": {"pids": 0}})", ""), "/nodes/h1/limits/pids", "expected a positive integer, got 0"},
    {"switch_loopback", LAB(R"("s1": {"kind": "switch", "loopback": ["10.0.0.1/32"]})", ""), "/nodes/s1/loopback",
     "a switch has no addresses"},
    {"switch_route", LAB(R"("s1": {"kind": "switch", "routes": [{"to": "default", "dev": "p1"}]})", ""), "/nodes/s1/routes",
     "a switch has no routes"},

    // --- defaults ---
    {"defaults_unknown_key", R"({"name": "t", "defaults": {"privat_dirs": []}, "nodes": {}})", "/defaults/privat_dirs",
     "unknown key \"privat_dirs\"; did you mean \"private_dirs\"?"},
    {"defaults_bad_value", R"({"name": "t", "defaults": {"private_dirs": ["tmp"]}, "nodes": {"h1": {}}})",
     "/defaults/private_dirs/0", "\"tmp\" is not an absolute path"},
    {"defaults_switch", R"({"name": "t", "defaults": {"kind": "switch"}, "nodes": {"h1": {}}})", "/defaults/kind",
     "defaults apply to hosts and routers only"},
    {"defaults_object_type", R"({"name": "t", "defaults": {"sysctls": []}, "nodes": {"h1": {}}})", "/defaults/sysctls",
     "expected an object, got a list"},

    // --- routes (h1 on 10.0.0.2/24, r1 on 10.0.0.1/24) ---
    {"route_unknown_key", LAB(ROUTES(R"({"to": "default", "vai": "10.0.0.1"})") "," R1, H1_R1), "/nodes/h1/routes/0/vai",
     "unknown key \"vai\"; did you mean \"via\"?"},
    {"routes_type", LAB(R"("h1": {"routes": {}})", ""), "/nodes/h1/routes", "expected a list, got an object"},
    {"route_needs_via_or_dev", LAB(ROUTES(R"({"to": "default"})") "," R1, H1_R1), "/nodes/h1/routes/0",
     "a route needs \"via\", \"dev\" or both"},
    {"route_to_missing", LAB(ROUTES(R"({"via": "10.0.0.1"})") "," R1, H1_R1), "/nodes/h1/routes/0", "missing \"to\""},
    {"route_host_bits", LAB(ROUTES(R"({"to": "10.1.0.1/24", "via": "10.0.0.1"})") "," R1, H1_R1), "/nodes/h1/routes/0/to",
     "\"10.1.0.1/24\" has host bits set; did you mean \"10.1.0.0/24\"?"},
    {"route_to_bad", LAB(ROUTES(R"({"to": "everywhere", "via": "10.0.0.1"})") "," R1, H1_R1), "/nodes/h1/routes/0/to",
     "\"everywhere\" is not a destination"},
    {"route_via_prefix", LAB(ROUTES(R"({"to": "default", "via": "10.0.0.1/24"})") "," R1, H1_R1), "/nodes/h1/routes/0/via",
     "via is a single address, without a prefix length: \"10.0.0.1\""},
    {"route_via_bad", LAB(ROUTES(R"({"to": "default", "via": "10.0.0.x"})") "," R1, H1_R1), "/nodes/h1/routes/0/via",
     "\"10.0.0.x\" is not an IP address"},
    {"route_via_unreachable", LAB(ROUTES(R"({"to": "default", "via": "10.9.0.1"})") "," R1, H1_R1), "/nodes/h1/routes/0/via",
     "via 10.9.0.1 is not in a subnet of any interface of node \"h1\" (it has 10.0.0.2/24 on eth0)"},
    {"route_family_mismatch", LAB(ROUTES(R"({"to": "fd00::/64", "via": "10.0.0.1"})") "," R1, H1_R1),
     "/nodes/h1/routes/0/via", "via 10.0.0.1 is IPv4 but \"to\" (fd00::/64) is IPv6"},
    {"route_dev_unknown", LAB(ROUTES(R"({"to": "default", "dev": "eth9"})") "," R1, H1_R1), "/nodes/h1/routes/0/dev",
     "node \"h1\" has no interface \"eth9\"; did you mean \"eth0\"?"},
    {"route_dev_bad_name", LAB(ROUTES(R"({"to": "default", "dev": "a/b"})") "," R1, H1_R1), "/nodes/h1/routes/0/dev",
     "cannot contain"},
    {"route_metric", LAB(ROUTES(R"({"to": "default", "via": "10.0.0.1", "metric": -1})") "," R1, H1_R1),
     "/nodes/h1/routes/0/metric", "expected an integer from 0 to 4294967295, got -1"},
    {"route_via_self", LAB(ROUTES(R"({"to": "default", "via": "10.0.0.2"})") "," R1, H1_R1), "/nodes/h1/routes/0/via",
     "via 10.0.0.2 is an address of node \"h1\" itself"},
    {"route_twice", LAB(ROUTES(R"({"to": "default", "via": "10.0.0.1"}, {"to": "0.0.0.0/0", "dev": "eth0"})") "," R1, H1_R1),
     "/nodes/h1/routes/1", "a route to 0.0.0.0/0 with the same metric is already at /nodes/h1/routes/0"},
    {"route_link_local_needs_dev", LAB(ROUTES(R"({"to": "default", "via": "fe80::1"})") "," R1, H1_R1),
     "/nodes/h1/routes/0/via", "via fe80::1 is link-local: say which interface with \"dev\""},
    {"route_via_down_link",
     LAB(ROUTES(R"({"to": "default", "via": "10.0.0.1"})") "," R1,
         R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.0.2/24", "10.0.0.1/24"], "up": false})"),
     "/nodes/h1/routes/0/via", "eth0 is down (\"up\": false in /links/0)"},
    {"route_dev_down_link",
     LAB(ROUTES(R"({"to": "default", "dev": "eth0"})") "," R1,
         R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.0.2/24", "10.0.0.1/24"], "up": false})"),
     "/nodes/h1/routes/0/dev", "eth0 is down"},

    // --- links ---
    {"link_type", LAB(H1, "3"), "/links/0", "expected an object, got an integer"},
    {"link_unknown_key", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "mut": 1500})"), "/links/0/mut",
     "unknown key \"mut\"; did you mean \"mtu\"?"},
    {"endpoints_missing", LAB(H1, R"({"mtu": 1500})"), "/links/0", "missing \"endpoints\""},
    {"endpoints_three", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0", "r1:eth1"]})"), "/links/0/endpoints",
     "a link has exactly two endpoints, got 3"},
    {"endpoint_type", LAB(H1 "," R1, R"({"endpoints": [5, "r1:eth0"]})"), "/links/0/endpoints/0", "expected an endpoint"},
    {"endpoint_empty", LAB(H1 "," R1, R"({"endpoints": ["", "r1:eth0"]})"), "/links/0/endpoints/0",
     "expected an endpoint such as \"h1:eth0\""},
    {"endpoint_object_unknown_key", LAB(H1 "," R1, R"({"endpoints": [{"node": "h1", "ifce": "eth0"}, "r1:eth0"]})"),
     "/links/0/endpoints/0/ifce", "unknown key \"ifce\"; did you mean \"iface\"?"},
    {"endpoint_object_no_node", LAB(H1 "," R1, R"({"endpoints": [{"iface": "eth0"}, "r1:eth0"]})"), "/links/0/endpoints/0",
     "missing \"node\""},
    {"unknown_node_suggests", LAB(H1 "," R1, R"({"endpoints": ["hh1:eth0", "r1:eth0"]})"), "/links/0/endpoints/0",
     "unknown node \"hh1\"; did you mean \"h1\"?"},
    {"unknown_node_lists", LAB(R"("r1": {}, "r2": {})", R"({"endpoints": ["r9:eth0", "r1:eth0"]})"), "/links/0/endpoints/0",
     "unknown node \"r9\"; known nodes: r1, r2"},
    {"unknown_node_object", LAB(H1 "," R1, R"({"endpoints": [{"node": "x1", "iface": "e"}, "r1:eth0"]})"),
     "/links/0/endpoints/0/node", "unknown node \"x1\""},
    {"host_needs_iface", LAB(H1 "," R1, R"({"endpoints": ["h1", "r1:eth0"]})"), "/links/0/endpoints/0",
     "the endpoint on host \"h1\" needs an interface: \"h1:eth0\""},
    {"iface_lo", LAB(H1 "," R1, R"({"endpoints": ["h1:lo", "r1:eth0"]})"), "/links/0/endpoints/0",
     "\"lo\" is the loopback interface every node already has"},
    {"iface_too_long", LAB(H1 "," R1, R"({"endpoints": ["h1:abcdefghijklmnop", "r1:eth0"]})"), "/links/0/endpoints/0",
     "interface name \"abcdefghijklmnop\" is 16 characters; the kernel allows at most 15"},
    {"iface_space", LAB(H1 "," R1, R"({"endpoints": [{"node": "h1", "iface": "eth 0"}, "r1:eth0"]})"),
     "/links/0/endpoints/0/iface", "cannot contain \"/\", \":\" or whitespace"},
    // The kernel expands "%d" to a free number; control characters would reach terminals (item 7).
    {"iface_percent", LAB(H1 "," R1, R"({"endpoints": ["h1:eth%d", "r1:eth0"]})"), "/links/0/endpoints/0",
     "interface name \"eth%d\" cannot contain \"%\" or control characters"},
    {"iface_escape", LAB(H1 "," R1, R"({"endpoints": [{"node": "h1", "iface": "e\u001b[31m"}, "r1:eth0"]})"),
     "/links/0/endpoints/0/iface", "interface name \"e\\x1b[31m\" cannot contain \"%\" or control characters"},
    {"iface_empty", LAB(H1 "," R1, R"({"endpoints": ["h1:", "r1:eth0"]})"), "/links/0/endpoints/0",
     "an interface name cannot be empty"},
    {"iface_reserved", LAB(H1 "," R1, R"({"endpoints": ["h1:all", "r1:eth0"]})"), "/links/0/endpoints/0",
     "reserved by the kernel"},
    {"iface_twice", LAB(H1 "," R1 R"(, "r2": {})", R"({"endpoints": ["h1:eth0", "r1:eth1"]}, {"endpoints": ["r1:eth1", "r2:eth0"]})"),
     "/links/1/endpoints/0", "\"r1:eth1\" is already used by /links/0/endpoints/1"},
    {"iface_twice_one_link", LAB(H1, R"({"endpoints": ["h1:eth0", "h1:eth0"]})"), "/links/0/endpoints/1",
     "\"h1:eth0\" is already used by /links/0/endpoints/0"},
    {"switch_port_twice", LAB(H1 "," S1 R"(, "h2": {})", R"({"endpoints": ["h1:eth0", "s1:up"]}, {"endpoints": ["h2:eth0", "s1:up"]})"),
     "/links/1/endpoints/1", "\"s1:up\" is already used by /links/0/endpoints/1"},
    {"switch_loop", LAB(S1 R"(, "s2": {"kind": "switch"})", R"({"endpoints": ["s1", "s2"]}, {"endpoints": ["s2", "s1"]})"),
     "/links/1", "closes a loop of switches"},
    {"ipv4_count", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.0.1/24"]})"), "/links/0/ipv4",
     "expected two entries, one per endpoint"},
    {"ipv4_wrong_family", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["fd00::1/64", null]})"),
     "/links/0/ipv4/0", "\"fd00::1/64\" is an IPv6 address; put it under \"ipv6\""},
    {"ipv6_wrong_family", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv6": [null, "10.0.0.1/24"]})"),
     "/links/0/ipv6/1", "\"10.0.0.1/24\" is an IPv4 address; put it under \"ipv4\""},
    {"ipv4_list_element", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": [null, ["10.0.0.1/24", "x"]]})"),
     "/links/0/ipv4/1/1", "\"x\" is not an address in CIDR notation"},
    {"ipv4_entry_type", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": [5, null]})"), "/links/0/ipv4/0",
     "expected an address, a list of addresses or null, got an integer"},
    {"address_network", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.0.0/24", null]})"),
     "/links/0/ipv4/0", "\"10.0.0.0/24\" is the network address of 10.0.0.0/24; use a host address such as \"10.0.0.1/24\""},
    {"address_broadcast", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.0.255/24", null]})"),
     "/links/0/ipv4/0", "\"10.0.0.255/24\" is the broadcast address of 10.0.0.0/24"},
    {"address_twice", LAB(H1 "," R1 R"(, "h2": {})", H1_R1 R"(, {"endpoints": ["r1:eth1", "h2:eth0"], "ipv4": ["10.0.1.1/24", "10.0.0.1/24"]})"),
     "/links/1/ipv4/1", "10.0.0.1 is already used by r1:eth0 (/links/0/ipv4/1)"},
    {"address_on_loopback_too", LAB(R"("h1": {"loopback": ["10.0.0.2/32"]})" "," R1, H1_R1), "/links/0/ipv4/0",
     "10.0.0.2 is already used by h1:lo (/nodes/h1/loopback/0)"},
    {"address_twice_ipv6", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "ipv6": ["fd00::1/64", "fd00::1/64"]})"),
     "/links/0/ipv6/1", "fd00::1 is already used by h1:eth0 (/links/0/ipv6/0)"},
    {"switch_address", LAB(H1 "," S1, R"({"endpoints": ["h1:eth0", "s1"], "ipv4": ["10.0.0.1/24", "10.0.0.2/24"]})"),
     "/links/0/ipv4/1", "\"s1\" is a switch: its ports have no address"},
    {"switch_address_object", LAB(H1 "," S1, R"({"endpoints": ["h1:eth0", {"node": "s1", "ipv4": "10.0.0.2/24"}]})"),
     "/links/0/endpoints/1/ipv4", "\"s1\" is a switch"},
    {"mtu_range", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "mtu": 9})"), "/links/0/mtu",
     "expected an integer from 68 to 65535, got 9"},
    {"mtu_float", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "mtu": 1500.5})"), "/links/0/mtu",
     "expected an integer from 68 to 65535, got 1500.5"},
    {"mtu_too_small_for_ipv6", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "mtu": 1000, "ipv6": ["fd00::2/64", null]})"),
     "/links/0/mtu", "mtu 1000 is below 1280, the minimum for IPv6"},
    {"up_type", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "up": "no"})"), "/links/0/up",
     "expected true or false, got a string"},
    {"mac_bad", LAB(H1 "," R1, R"({"endpoints": [{"node": "h1", "iface": "eth0", "mac": "zz"}, "r1:eth0"]})"),
     "/links/0/endpoints/0/mac", "\"zz\" is not a MAC address"},
    {"mac_multicast", LAB(H1 "," R1, R"({"endpoints": [{"node": "h1", "iface": "eth0", "mac": "01:00:5e:00:00:01"}, "r1:eth0"]})"),
     "/links/0/endpoints/0/mac", "is a multicast MAC"},
    {"mac_zero", LAB(H1 "," R1, R"({"endpoints": [{"node": "h1", "iface": "eth0", "mac": "00:00:00:00:00:00"}, "r1:eth0"]})"),
     "/links/0/endpoints/0/mac", "is all zeros"},
    {"mac_twice",
     LAB(H1 "," R1, R"({"endpoints": [{"node": "h1", "iface": "eth0", "mac": "02:00:00:00:00:01"}, {"node": "r1", "iface": "eth0", "mac": "02:00:00:00:00:01"}]})"),
     "/links/0/endpoints/1/mac", "MAC 02:00:00:00:00:01 is already used by /links/0/endpoints/0/mac"},

    // --- netem ---
    {"netem_type", LAB(H1 "," R1, R"({"endpoints": ["h1:eth0", "r1:eth0"], "netem": []})"), "/links/0/netem",
     "expected an object, got a list"},
    {"netem_unknown_key", LAB(H1 "," R1, NETEM(R"({"dealy": "10ms"})")), "/links/0/netem/dealy",
     "unknown key \"dealy\"; did you mean \"delay\"?"},
    {"netem_duration", LAB(H1 "," R1, NETEM(R"({"delay": "10 ms"})")), "/links/0/netem/delay",
     "expected a duration such as \"10ms\", \"1.5s\" or \"200us\", got \"10 ms\""},
    {"netem_duration_number", LAB(H1 "," R1, NETEM(R"({"delay": 10})")), "/links/0/netem/delay",
     "expected a duration such as \"10ms\", \"1.5s\" or \"200us\", got 10"},
    {"netem_duration_unit", LAB(H1 "," R1, NETEM(R"({"delay": "10m"})")), "/links/0/netem/delay", "expected a duration"},
    {"netem_percent_range", LAB(H1 "," R1, NETEM(R"({"loss": "150%"})")), "/links/0/netem/loss",
     "\"150%\" is not between 0 and 100%"},
    {"netem_percent_number_range", LAB(H1 "," R1, NETEM(R"({"corrupt": -1})")), "/links/0/netem/corrupt",
     "-1 is not between 0 and 100%"},
    {"netem_percent_bad", LAB(H1 "," R1, NETEM(R"({"duplicate": "lots"})")), "/links/0/netem/duplicate",
     "expected a percentage such as \"1%\""},
    {"netem_jitter_without_delay", LAB(H1 "," R1, NETEM(R"({"jitter": "2ms"})")), "/links/0/netem/jitter",
     "jitter needs a \"delay\""},
    {"netem_reorder_without_delay", LAB(H1 "," R1, NETEM(R"({"reorder": "25%"})")), "/links/0/netem/reorder",
     "reorder needs a \"delay\""},
    {"netem_rate", LAB(H1 "," R1, NETEM(R"({"rate": "fast"})")), "/links/0/netem/rate",
     "expected a positive rate such as \"100mbit\""},
    {"netem_rate_zero", LAB(H1 "," R1, NETEM(R"({"rate": "0mbit"})")), "/links/0/netem/rate", "expected a positive rate"},
    {"netem_limit", LAB(H1 "," R1, NETEM(R"({"limit": 0})")), "/links/0/netem/limit",
     "expected an integer from 1 to 4294967295, got 0"},

    // --- addressing ---
    {"addressing_type", R"({"name": "t", "nodes": {}, "addressing": "10.0.0.0/8"})", "/addressing",
     "expected an object, got a string"},
    {"addressing_unknown_key", R"({"name": "t", "nodes": {}, "addressing": {"ip4": "10.0.0.0/8"}})", "/addressing/ip4",
     "unknown key \"ip4\"; did you mean \"ipv4\"?"},
    {"addressing_host_bits", R"({"name": "t", "nodes": {}, "addressing": {"ipv4": "10.200.0.1/16"}})", "/addressing/ipv4",
     "\"10.200.0.1/16\" has host bits set; did you mean \"10.200.0.0/16\"?"},
    {"addressing_family", R"({"name": "t", "nodes": {}, "addressing": {"ipv4": "fd00::/48"}})", "/addressing/ipv4",
     "\"fd00::/48\" is an IPv6 address; put it under \"ipv6\""},
    // ::/0 spans 2^128 addresses and handed out ::1/64, the loopback (issue 14, item 13).
    {"addressing_v6_everything", R"({"name": "t", "nodes": {}, "addressing": {"ipv6": "::/0"}})", "/addressing/ipv6",
     "::/0 overlaps ::/8, which holds no host addresses"},
    {"addressing_v4_loopback", R"({"name": "t", "nodes": {}, "addressing": {"ipv4": "127.0.0.0/8"}})", "/addressing/ipv4",
     "127.0.0.0/8 overlaps 127.0.0.0/8"},
    {"addressing_v4_everything", R"({"name": "t", "nodes": {}, "addressing": {"ipv4": "0.0.0.0/0"}})", "/addressing/ipv4",
     "0.0.0.0/0 overlaps 0.0.0.0/8"},
    {"addressing_too_small", R"({"name": "t", "nodes": {}, "addressing": {"ipv6": "fd00::/96"}})", "/addressing/ipv6",
     "fd00::/96 is too small: auto-addressing needs at least a /64"},
    {"addressing_exhausted",
     R"({"name": "t", "addressing": {"ipv4": "10.0.0.0/29"}, "nodes": {"a": {}, "b": {}},
         "links": [{"endpoints": ["a:e1", "b:e1"]}, {"endpoints": ["a:e2", "b:e2"]}, {"endpoints": ["a:e3", "b:e3"]}]})",
     "/addressing/ipv4", "10.0.0.0/29 has no room left for the point-to-point link /links/2"},
    {"addressing_switch_needs_a_24",
     R"({"name": "t", "addressing": {"ipv4": "10.0.0.0/25"}, "nodes": {"a": {}, "s": {"kind": "switch"}},
         "links": [{"endpoints": ["a:e1", "s"]}]})",
     "/addressing/ipv4", "10.0.0.0/25 has no room left for the switch segment of /links/0"},
};

class TopologyErrors : public ::testing::TestWithParam<Bad> {};

TEST_P(TopologyErrors, ReportedAtPointer) {
    const Bad& b = GetParam();
    try {
        topo::parse(b.json, topo::ParseOptions{.source = "t.json", .name_override = b.name_override});
        ADD_FAILURE() << "accepted:\n" << b.json;
    } catch (const topo::TopologyError& e) {
        for (const auto& issue : e.issues())
            if (issue.pointer == b.pointer && issue.message.find(b.message) != std::string::npos) return;
        ADD_FAILURE() << "wanted an issue at \"" << b.pointer << "\": " << b.message << "\ngot:\n" << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(TopologyBad, TopologyErrors, ::testing::ValuesIn(kBad),
                         [](const auto& info) { return std::string(info.param.label); });

#undef LAB
#undef ROUTES
#undef NETEM
}  // namespace
