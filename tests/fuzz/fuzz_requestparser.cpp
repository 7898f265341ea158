// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: clusterlab::HttpRequestParser, driven the way HttpConnection
// drives it (feed, take every complete request, feed the rest, stop on
// Error), with the input arriving in pieces.
//
// Input layout: byte 0 configures the run, the rest is the byte stream a
// client sends.
//   bits 0-1  limits: 0, 1 = the defaults; 2 = small; 3 = tiny (so that
//             413, 414 and 431 are reached with short inputs)
//   bits 2-7  split seed: 0 = one piece; 63 = one byte at a time;
//             otherwise up to three cut points derived from the seed and
//             the length
// A trap (abort) means an invariant of the parser's contract broke.

#include "fuzzcheck.h"
#include "http/httprequestparser.h"

#include <QByteArray>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <vector>

using clusterlab::HttpRequest;
using clusterlab::HttpRequestParser;

namespace {

constexpr const char* kFuzzTarget = "fuzz_requestparser";

HttpRequestParser::Limits limitsFor(std::uint8_t config)
{
    HttpRequestParser::Limits limits;
    switch (config & 3u) {
    case 2: // small: a few hundred bytes of head
        limits.maxHeadBytes = 128 + (config >> 2) * 8;
        limits.maxUriBytes = 32 + (config >> 2) * 2;
        limits.maxBodyBytes = 64 + (config >> 2) * 4;
        break;
    case 3: // tiny: every limit within a few bytes of a short request
        limits.maxHeadBytes = 24 + (config >> 4);
        limits.maxUriBytes = 1 + ((config >> 2) & 15);
        limits.maxBodyBytes = (config >> 4);
        break;
    default:
        break;
    }
    return limits;
}

// Where to cut the stream: sorted, unique, strictly inside (0, len).
std::vector<std::size_t> cutPoints(std::uint8_t config, std::size_t len)
{
    std::vector<std::size_t> cuts;
    const unsigned seed = config >> 2;
    if (len < 2 || seed == 0)
        return cuts;
    if (seed == 63) {
        for (std::size_t i = 1; i < len; ++i)
            cuts.push_back(i);
        return cuts;
    }
    std::uint32_t x = seed * 2654435761u ^ static_cast<std::uint32_t>(len);
    const unsigned count = 1 + seed % 3;
    for (unsigned i = 0; i < count; ++i) {
        x = x * 1103515245u + 12345u;
        cuts.push_back(1 + (x >> 8) % (len - 1));
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    return cuts;
}

void checkRequest(const HttpRequest& r, const HttpRequestParser::Limits& limits)
{
    FUZZ_CHECK(r.versionMajor == 1); // anything else is a 505
    FUZZ_CHECK(!r.method.isEmpty());
    FUZZ_CHECK(r.target.size() <= limits.maxUriBytes);
    FUZZ_CHECK(r.bodyBytes >= 0 && r.bodyBytes <= limits.maxBodyBytes);
    // Request line plus header lines, as counted against maxHeadBytes
    // (12 = " HTTP/1.1\r\n" and a space; every header line carries its
    // ": " and CRLF in headerBlock).
    const auto blockSize = static_cast<qsizetype>(r.headerBlock.size());
    FUZZ_CHECK(r.method.size() + r.target.size() + 12 + blockSize <= limits.maxHeadBytes);
    FUZZ_CHECK(r.headerBlock.empty() || r.headerBlock.compare(r.headerBlock.size() - 2, 2, "\r\n") == 0);
    FUZZ_CHECK(r.headerCount() >= 0);
    // origin-form after reduction, or the one asterisk-form we take
    FUZZ_CHECK(r.path.startsWith('/') || (r.method == "OPTIONS" && r.path == "*"));
    FUZZ_CHECK(!r.path.contains('?'));
    FUZZ_CHECK(!r.query.contains('#'));
    FUZZ_CHECK(!r.upgrade || !r.keepAlive);
    // The accessors a route handler uses must cope with whatever arrived.
    const QByteArray host = r.header(QByteArray("Host"));
    const QByteArray length = r.header(QByteArray("content-length"));
    FUZZ_CHECK(host.size() <= blockSize && length.size() <= blockSize);
    (void)r.isHead();
    (void)r.acceptsJson();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t config = data[0];
    const char* stream = reinterpret_cast<const char*>(data + 1);
    const std::size_t len = size - 1;

    const HttpRequestParser::Limits limits = limitsFor(config);
    HttpRequestParser parser(limits);
    FUZZ_CHECK(!parser.inMessage() && !parser.inHead());

    std::vector<std::size_t> bounds = cutPoints(config, len);
    bounds.push_back(len);

    // What a connection has buffered and not yet handed to the parser.
    std::size_t pos = 0;     // start of unparsed bytes
    std::size_t arrived = 0; // end of bytes received so far
    int requests = 0;
    for (const std::size_t bound : bounds) {
        arrived = bound;
        int zeroProgress = 0;
        while (pos < arrived) {
            const std::size_t avail = arrived - pos;
            std::size_t consumed = avail + 1; // poisoned: feed must set it
            const auto result = parser.feed(stream + pos, avail, &consumed);
            FUZZ_CHECK(consumed <= avail);
            if (result == HttpRequestParser::Result::Error) {
                const int status = parser.errorStatus();
                FUZZ_CHECK(status == 400 || status == 413 || status == 414 || status == 431 || status == 505);
                FUZZ_CHECK(!parser.errorReason().isEmpty());
                FUZZ_CHECK(consumed == 0);
                // The stream stays failed: a second feed must not parse on.
                std::size_t again = 1;
                FUZZ_CHECK(parser.feed(stream + pos, avail, &again) == HttpRequestParser::Result::Error);
                FUZZ_CHECK(again == 0);
                FUZZ_CHECK(parser.errorStatus() == status);
                return 0; // the connection answers and closes
            }
            if (result == HttpRequestParser::Result::NeedMore) {
                FUZZ_CHECK(consumed == avail);
                FUZZ_CHECK(parser.errorStatus() == 0);
                FUZZ_CHECK(!parser.inHead() || parser.inMessage());
                pos += consumed;
                break;
            }
            // Result::Request
            FUZZ_CHECK(parser.errorStatus() == 0);
            const HttpRequest request = parser.takeRequest();
            checkRequest(request, limits);
            ++requests;
            if (request.upgrade)
                return 0; // we never switch protocols: answer, then close
            FUZZ_CHECK(!parser.inMessage());
            // A request is at least "X / HTTP/1.1\n": every one must have
            // consumed bytes, or a connection would spin on the same ones.
            zeroProgress = consumed == 0 ? zeroProgress + 1 : 0;
            FUZZ_CHECK(zeroProgress < 2);
            pos += consumed;
        }
    }
    FUZZ_CHECK(pos == len);
    // Every request needs at least 16 bytes ("GET / HTTP/1.1\n\n" less one).
    FUZZ_CHECK(static_cast<std::size_t>(requests) <= len / 8 + 1);
    // End of input, as when the client half-closes: a fresh feed of
    // nothing asks for more.
    std::size_t none = 1;
    FUZZ_CHECK(parser.feed(stream, 0, &none) == HttpRequestParser::Result::NeedMore && none == 0);
    return 0;
}
