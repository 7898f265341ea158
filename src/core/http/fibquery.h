#pragma once

#include <QByteArray>

namespace clusterlab {

// The N of /main, /worker and /child, read from a raw query string
// ("n=30&x=y"). Absent -> the default (30). Present more than once, empty,
// signed, fractional, non-decimal or outside 0..45 -> an error with a
// one-line reason for the 400 response.
struct FibQuery
{
    bool ok = false;
    int n = 0;
    QByteArray error;
};

FibQuery parseFibQuery(const QByteArray& query);

// Decodes %XX escapes and '+' (as a space). Returns false on a broken escape.
bool percentDecode(const QByteArray& in, QByteArray* out);

} // namespace clusterlab
