// Writes every row of the unit tests' bad-input table as a seed for the topology fuzzer, so the
// fuzzer starts from each rule's rejection and the table is never copied by hand.
#include <fstream>
#include <string>

#include "../unit/test_topology_errors.cpp"  // NOLINT: its rows, through gtest_stub/

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: bad_table_seeds DIR\n";
        return 2;
    }
    int n = 0;
    for (const auto& b : kBad) {
        std::ofstream out(std::string(argv[1]) + "/bad-" + b.label + ".json", std::ios::binary);
        out << b.json;
        if (!out) {
            std::cerr << "bad_table_seeds: cannot write into " << argv[1] << "\n";
            return 1;
        }
        ++n;
    }
    std::cout << n << " seeds from the bad-input table\n";
    return 0;
}
