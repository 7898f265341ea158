// SPDX-License-Identifier: GPL-3.0-or-later
#include "fibquery.h"

#include "compute/fib.h"
#include "compute/payload.h"

#include <QList>
#include <QStringBuilder>

namespace clusterlab {

namespace {
int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// For echoing user input in a one-line reason: short and printable.
QByteArray printable(const QByteArray& in)
{
    QByteArray out = in.left(16);
    for (char& c : out) {
        if (c < 0x20 || c > 0x7e)
            c = '?';
    }
    return in.size() > 16 ? out + "..." : out;
}
} // namespace

bool percentDecode(const QByteArray& in, QByteArray* out)
{
    out->clear();
    out->reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in.at(i);
        if (c == '+') {
            out->append(' ');
        } else if (c == '%') {
            if (i + 2 >= in.size())
                return false;
            const int hi = hexValue(in.at(i + 1));
            const int lo = hexValue(in.at(i + 2));
            if (hi < 0 || lo < 0)
                return false;
            out->append(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out->append(c);
        }
    }
    return true;
}

namespace {
// A plain decimal integer 0..max, or an error naming the parameter.
bool parseSmallInt(const char* name, const QByteArray& value, int max, int* out, QByteArray* error)
{
    const QByteArray expected = "; expected an integer 0.." + QByteArray::number(max);
    if (value.isEmpty()) {
        *error = QByteArray(name) + " is empty" + expected;
        return false;
    }
    if (value.size() > 3) {
        *error = QByteArray(name) + " must be a plain integer 0.." + QByteArray::number(max) + ", got '"
            + printable(value) + "'";
        return false;
    }
    int n = 0;
    for (char c : value) {
        if (c < '0' || c > '9') {
            *error = QByteArray(name) + " must be a plain integer 0.." + QByteArray::number(max) + ", got '"
                + printable(value) + "'";
            return false;
        }
        n = n * 10 + (c - '0');
    }
    if (n > max) {
        *error = QByteArray(name) + " must be at most " + QByteArray::number(max) + ", got " + value;
        return false;
    }
    *out = n;
    return true;
}
} // namespace

FibQuery parseFibQuery(const QByteArray& query)
{
    FibQuery result;
    result.n = kDefaultFibN;
    bool seenN = false;
    bool seenFault = false;
    bool seenPayload = false;
    for (const QByteArray& pair : query.split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype eq = pair.indexOf('=');
        QByteArray key;
        QByteArray value;
        if (!percentDecode(eq < 0 ? pair : pair.left(eq), &key)
            || !percentDecode(eq < 0 ? QByteArray() : pair.mid(eq + 1), &value)) {
            result.error = "bad percent-encoding in the query";
            return result;
        }
        bool* seen = key == "n" ? &seenN : key == "fault" ? &seenFault : key == "payload" ? &seenPayload : nullptr;
        if (seen == nullptr)
            continue;
        if (*seen) {
            result.error = key + " is given more than once";
            return result;
        }
        *seen = true;
        if (key == "n") {
            if (!parseSmallInt("n", value, kMaxFibN, &result.n, &result.error))
                return result;
        } else if (key == "payload") {
            result.hasExperimentParameter = true;
            if (!parseSmallInt("payload", value, kMaxPayloadMb, &result.payloadMb, &result.error))
                return result;
        } else {
            result.hasExperimentParameter = true;
            if (value == "crash") {
                result.fault = Fault::Crash;
            } else if (value == "hang") {
                result.fault = Fault::Hang;
            } else if (value == "throw") {
                result.fault = Fault::Throw;
            } else {
                result.error = "fault must be crash, throw or hang, got '" + printable(value) + "'";
                return result;
            }
        }
    }
    result.ok = true;
    return result;
}

} // namespace clusterlab
