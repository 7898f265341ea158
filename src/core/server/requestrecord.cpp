// SPDX-License-Identifier: GPL-3.0-or-later
#include "requestrecord.h"

#include <cstring>

namespace clusterlab {

QByteArray packRecords(const std::vector<RequestRecord>& records)
{
    if (records.empty())
        return QByteArray();
    return QByteArray(reinterpret_cast<const char*>(records.data()),
                      static_cast<qsizetype>(records.size() * sizeof(RequestRecord)));
}

bool unpackRecords(const QByteArray& bytes, std::vector<RequestRecord>* out)
{
    if (bytes.size() % static_cast<qsizetype>(sizeof(RequestRecord)) != 0)
        return false;
    const std::size_t count = static_cast<std::size_t>(bytes.size()) / sizeof(RequestRecord);
    if (count == 0)
        return true; // a batch of samples only
    const std::size_t old = out->size();
    out->resize(old + count);
    std::memcpy(out->data() + old, bytes.constData(), static_cast<std::size_t>(bytes.size()));
    for (std::size_t i = old; i < out->size(); ++i) {
        RequestRecord& r = (*out)[i];
        if (static_cast<int>(r.route) >= kRouteCount || static_cast<int>(r.path) > 3) {
            out->resize(old);
            return false;
        }
    }
    return true;
}

} // namespace clusterlab
