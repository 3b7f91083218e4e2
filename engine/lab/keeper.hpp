// The keeper: one small process per lab that builds it, holds it and takes it down.
// It is the parent of every node init (so it reaps them), it outlives the process that asked
// for the lab (so pins are removed by something that is still alive), and for an ephemeral lab
// it watches its owner through a pidfd and tears the lab down when the owner dies, however it
// died. Started by fork+exec, so it is single-threaded whatever its starter was.
#pragma once

namespace nslab::lab {

// main() of the nslab-keeper executable.
int keeper_main(int argc, char** argv);

}  // namespace nslab::lab
