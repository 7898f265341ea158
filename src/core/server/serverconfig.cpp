#include "serverconfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QThread>

namespace clusterlab {

ServerConfig ServerConfig::resolved() const
{
    ServerConfig c = *this;
    const int cores = qMax(1, QThread::idealThreadCount());
    if (c.poolThreads <= 0)
        c.poolThreads = cores;
    if (c.maxChildren <= 0)
        c.maxChildren = 2 * cores;
    if (c.taskProgram.isEmpty()) {
#if defined(Q_OS_WIN)
        const QString name = QStringLiteral("clusterlab-task.exe");
#else
        const QString name = QStringLiteral("clusterlab-task");
#endif
        c.taskProgram = QDir(QCoreApplication::applicationDirPath()).filePath(name);
    }
    return c;
}

} // namespace clusterlab
