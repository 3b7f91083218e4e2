#pragma once

namespace bench {
// HostSpawnTrue (the floor) and NodeRunTrue: one command's cost.
void register_commands();
}  // namespace bench
