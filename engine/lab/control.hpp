// The keeper's control socket: how a client asks a running lab's keeper to change the lab
// (lab apply, lab node add, ...). One request per connection, one JSON object each way, each
// a single line; the socket lives in the lab's state dir, so only who may read the lab's
// state may connect.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "sys/fd.hpp"

namespace nslab::lab {

std::string control_socket(const std::string& lab);  // .../control.sock

// Keeper side: the listening socket (made before `lab up` reports success).
sys::Fd listen_control(const std::string& lab);
// Accepts one connection on `listener`, reads its request, answers with `handle`'s reply.
// A client that sends nothing within a few seconds is dropped. Never throws.
void serve_control(int listener, const std::function<nlohmann::json(const nlohmann::json&)>& handle) noexcept;

// Client side: sends `request` to the keeper of `lab` and returns its reply (nslab::Error
// when the keeper cannot be reached or dies before it answers).
nlohmann::json call_keeper(const std::string& lab, const nlohmann::json& request);

}  // namespace nslab::lab
