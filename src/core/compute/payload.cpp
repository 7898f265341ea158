// SPDX-License-Identifier: GPL-3.0-or-later
#include "payload.h"

#include <cstring>

namespace clusterlab {

namespace {
constexpr std::uint64_t kOffset = 1469598103934665603ULL;
constexpr std::uint64_t kPrime = 1099511628211ULL;
} // namespace

void fillPayload(unsigned char* data, std::size_t size)
{
    std::uint32_t x = 2463534242U; // xorshift32: cheap and never zero
    for (std::size_t i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = static_cast<unsigned char>(x);
    }
}

std::uint64_t continueChecksum(std::uint64_t h, const unsigned char* data, std::size_t size)
{
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, data + i, 8);
        h = (h ^ w) * kPrime;
    }
    for (; i < size; ++i)
        h = (h ^ data[i]) * kPrime;
    return h;
}

std::uint64_t payloadChecksum(const unsigned char* data, std::size_t size)
{
    return continueChecksum(kOffset, data, size);
}

} // namespace clusterlab
