// SPDX-License-Identifier: GPL-3.0-or-later
#include "csv.h"

namespace clusterlab {

QByteArray csvField(const QByteArray& text)
{
    if (!text.contains(',') && !text.contains('"') && !text.contains('\n') && !text.contains('\r'))
        return text;
    QByteArray quoted;
    quoted.reserve(text.size() + 8);
    quoted.append('"');
    for (const char c : text) {
        quoted.append(c);
        if (c == '"')
            quoted.append('"');
    }
    quoted.append('"');
    return quoted;
}

} // namespace clusterlab
