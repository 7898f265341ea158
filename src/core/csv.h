// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace clusterlab {

// One CSV field as RFC 4180 writes it: quoted when it holds a comma, a
// quote or a line break, its quotes doubled (a route such as
// /child?n=15,x); otherwise as it is. Every CSV the lab writes uses it.
QByteArray csvField(const QByteArray& text);

} // namespace clusterlab
