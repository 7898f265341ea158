#include "fibquery.h"

#include "compute/fib.h"

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

FibQuery parseFibQuery(const QByteArray& query)
{
    FibQuery result;
    result.n = kDefaultFibN;
    bool seen = false;
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
        if (key != "n")
            continue;
        if (seen) {
            result.error = "n is given more than once";
            return result;
        }
        seen = true;
        if (value.isEmpty()) {
            result.error = "n is empty; expected an integer 0..45";
            return result;
        }
        if (value.size() > 3) {
            result.error = "n must be a plain integer 0..45, got '" + printable(value) + "'";
            return result;
        }
        int n = 0;
        for (char c : value) {
            if (c < '0' || c > '9') {
                result.error = "n must be a plain integer 0..45, got '" + printable(value) + "'";
                return result;
            }
            n = n * 10 + (c - '0');
        }
        if (n > kMaxFibN) {
            result.error = "n must be at most 45, got " + value;
            return result;
        }
        result.n = n;
    }
    result.ok = true;
    return result;
}

} // namespace clusterlab
