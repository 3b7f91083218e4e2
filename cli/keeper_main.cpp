#include "lab/keeper.hpp"

int main(int argc, char** argv) { return nslab::lab::keeper_main(argc, argv); }
