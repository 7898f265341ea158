// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <cstdint>

namespace clusterlab {

// The sharing experiment's data: S MiB handed to a computation. A pool
// thread reads the worker's copy in place; a child task receives it through
// its standard input. Both compute the same checksum over it, so the only
// difference between the paths is how the bytes reach the code.
constexpr int kMaxPayloadMb = 64;

// A deterministic pattern (not zeros: the kernel would not have to touch a
// page for them).
void fillPayload(unsigned char* data, std::size_t size);

// FNV-style mix over 8-byte words (and the tail bytes): reads every byte.
// Thread-safe (pure).
std::uint64_t payloadChecksum(const unsigned char* data, std::size_t size);

// Carries a checksum across chunks: payloadChecksum(a+b) ==
// continueChecksum(payloadChecksum(a), b) when a's size is a multiple of 8.
std::uint64_t continueChecksum(std::uint64_t state, const unsigned char* data, std::size_t size);

} // namespace clusterlab
