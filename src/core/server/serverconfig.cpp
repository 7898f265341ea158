// SPDX-License-Identifier: GPL-3.0-or-later
#include "serverconfig.h"

#include "platform/processplatform.h"

#include <QThread>

namespace clusterlab {

int defaultPoolThreads()
{
    return qMax(1, QThread::idealThreadCount());
}

int defaultMaxChildren()
{
    return 2 * qMax(1, QThread::idealThreadCount());
}

ServerConfig ServerConfig::resolved() const
{
    ServerConfig c = *this;
    if (c.poolThreads <= 0)
        c.poolThreads = defaultPoolThreads();
    if (c.maxChildren <= 0)
        c.maxChildren = defaultMaxChildren();
    if (c.taskProgram.isEmpty())
        c.taskProgram = platform::siblingExecutable(QStringLiteral("clusterlab-task"));
    return c;
}

} // namespace clusterlab
