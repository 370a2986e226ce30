#pragma once
// NOTIFY out (RFC 1996): tells secondaries a zone has a new serial so they transfer it now
// instead of at their next refresh.

#include <cstdint>
#include <vector>

#include "codec/name.hpp"
#include "wk/net.hpp"

namespace wk::dns::io {

// Sends NOTIFY for `apex` to every target and waits for each answer, retrying up to three
// times a second apart. Blocking: run it off the serving threads.
void sendNotifies(const codec::Name& apex, std::uint32_t serial,
                  const std::vector<Endpoint>& targets);

}  // namespace wk::dns::io
