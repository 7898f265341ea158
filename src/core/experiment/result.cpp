// SPDX-License-Identifier: GPL-3.0-or-later
#include "result.h"

#include "version.h"

#include <QFile>
#include <QJsonArray>
#include <QSysInfo>
#include <QThread>

namespace clusterlab::experiment {

namespace {
QString cpuModelName()
{
    // Linux says it in /proc/cpuinfo; elsewhere the architecture is what
    // Qt can tell without a system call of ours.
    QFile f(QStringLiteral("/proc/cpuinfo"));
    if (f.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> lines = f.readAll().split('\n');
        for (const QByteArray& line : lines) {
            if (line.startsWith("model name")) {
                const qsizetype colon = line.indexOf(':');
                if (colon > 0)
                    return QString::fromUtf8(line.mid(colon + 1).trimmed());
            }
        }
    }
    return QSysInfo::currentCpuArchitecture();
}

QJsonArray pointsJson(const QList<QPointF>& points)
{
    QJsonArray a;
    for (const QPointF& p : points)
        a.append(QJsonArray { p.x(), p.y() });
    return a;
}

QList<QPointF> pointsFrom(const QJsonArray& a)
{
    QList<QPointF> out;
    for (const QJsonValue& v : a) {
        const QJsonArray p = v.toArray();
        out.append(QPointF(p.at(0).toDouble(), p.at(1).toDouble()));
    }
    return out;
}
} // namespace

MachineInfo MachineInfo::current()
{
    MachineInfo m;
    m.cpuModel = cpuModelName();
    m.cores = QThread::idealThreadCount();
    m.os = QSysInfo::prettyProductName();
    m.kernel = QSysInfo::kernelType() + QLatin1Char(' ') + QSysInfo::kernelVersion();
    m.qtVersion = QString::fromLatin1(qVersion());
    m.buildType = QStringLiteral(CLUSTERLAB_BUILD_TYPE);
    if (m.buildType.isEmpty())
        m.buildType = QStringLiteral("unspecified");
    m.clusterlabVersion = QStringLiteral(CLUSTERLAB_VERSION);
    return m;
}

QJsonObject MachineInfo::toJson() const
{
    return { { QStringLiteral("cpuModel"), cpuModel },       { QStringLiteral("cores"), cores },
             { QStringLiteral("os"), os },                   { QStringLiteral("kernel"), kernel },
             { QStringLiteral("qtVersion"), qtVersion },     { QStringLiteral("buildType"), buildType },
             { QStringLiteral("clusterlabVersion"), clusterlabVersion },
             { QStringLiteral("nodeVersion"), nodeVersion } };
}

MachineInfo MachineInfo::fromJson(const QJsonObject& o)
{
    MachineInfo m;
    m.cpuModel = o.value(QStringLiteral("cpuModel")).toString();
    m.cores = o.value(QStringLiteral("cores")).toInt();
    m.os = o.value(QStringLiteral("os")).toString();
    m.kernel = o.value(QStringLiteral("kernel")).toString();
    m.qtVersion = o.value(QStringLiteral("qtVersion")).toString();
    m.buildType = o.value(QStringLiteral("buildType")).toString();
    m.clusterlabVersion = o.value(QStringLiteral("clusterlabVersion")).toString();
    m.nodeVersion = o.value(QStringLiteral("nodeVersion")).toString();
    return m;
}

QString MachineInfo::oneLine() const
{
    return QStringLiteral("%1, %2 cores, %3, Qt %4, %5 build, ClusterLab %6%7")
        .arg(cpuModel)
        .arg(cores)
        .arg(os, qtVersion, buildType, clusterlabVersion,
             nodeVersion.isEmpty() ? QString() : QStringLiteral(", ") + nodeVersion);
}

QJsonObject ExperimentSettings::toJson() const
{
    QJsonArray engineArray;
    for (const EngineVariant& v : effectiveVariants())
        engineArray.append(v.id());
    return { { QStringLiteral("quick"), quick },
             { QStringLiteral("variants"), engineArray },
             { QStringLiteral("workers"), workers },
             { QStringLiteral("rounds"), effectiveRounds() },
             { QStringLiteral("timeScale"), timeScale },
             { QStringLiteral("seed"), QString::number(seed) } };
}

QJsonObject Chart::toJson() const
{
    QJsonArray lineArray;
    for (const Line& l : lines) {
        QJsonObject o { { QStringLiteral("name"), l.name }, { QStringLiteral("points"), pointsJson(l.points) } };
        if (!l.intervals.isEmpty())
            o.insert(QStringLiteral("intervals"), pointsJson(l.intervals));
        lineArray.append(o);
    }
    QJsonObject o { { QStringLiteral("id"), id },          { QStringLiteral("title"), title },
                    { QStringLiteral("xTitle"), xTitle },  { QStringLiteral("yTitle"), yTitle },
                    { QStringLiteral("logX"), logX },      { QStringLiteral("logY"), logY },
                    { QStringLiteral("lines"), lineArray } };
    if (categoricalX)
        o.insert(QStringLiteral("xCategories"), QJsonArray::fromStringList(xCategories));
    return o;
}

Chart Chart::fromJson(const QJsonObject& o)
{
    Chart c;
    c.id = o.value(QStringLiteral("id")).toString();
    c.title = o.value(QStringLiteral("title")).toString();
    c.xTitle = o.value(QStringLiteral("xTitle")).toString();
    c.yTitle = o.value(QStringLiteral("yTitle")).toString();
    c.logX = o.value(QStringLiteral("logX")).toBool();
    c.logY = o.value(QStringLiteral("logY")).toBool();
    if (o.contains(QStringLiteral("xCategories"))) {
        c.categoricalX = true;
        for (const QJsonValue& v : o.value(QStringLiteral("xCategories")).toArray())
            c.xCategories.append(v.toString());
    }
    for (const QJsonValue& v : o.value(QStringLiteral("lines")).toArray()) {
        const QJsonObject lo = v.toObject();
        c.lines.append(Line { lo.value(QStringLiteral("name")).toString(),
                              pointsFrom(lo.value(QStringLiteral("points")).toArray()),
                              pointsFrom(lo.value(QStringLiteral("intervals")).toArray()) });
    }
    return c;
}

QJsonObject ExperimentResult::toJson() const
{
    QJsonObject metricObject;
    for (auto it = metrics.cbegin(); it != metrics.cend(); ++it) {
        QJsonArray rounds;
        for (double v : it.value())
            rounds.append(v);
        metricObject.insert(it.key(), rounds);
    }
    QJsonArray chartArray;
    for (const Chart& c : charts)
        chartArray.append(c.toJson());
    QJsonObject o { { QStringLiteral("name"), name },
                    { QStringLiteral("title"), title },
                    { QStringLiteral("variant"), variant },
                    { QStringLiteral("method"), method },
                    { QStringLiteral("metrics"), metricObject },
                    { QStringLiteral("findings"), QJsonArray::fromStringList(findings) },
                    { QStringLiteral("charts"), chartArray },
                    { QStringLiteral("data"), data },
                    { QStringLiteral("seconds"), seconds },
                    { QStringLiteral("cancelled"), cancelled } };
    if (!error.isEmpty())
        o.insert(QStringLiteral("error"), error);
    return o;
}

ExperimentResult ExperimentResult::fromJson(const QJsonObject& o)
{
    ExperimentResult r;
    r.name = o.value(QStringLiteral("name")).toString();
    r.title = o.value(QStringLiteral("title")).toString();
    r.variant = o.value(QStringLiteral("variant")).toString(QStringLiteral("native"));
    r.method = o.value(QStringLiteral("method")).toString();
    const QJsonObject m = o.value(QStringLiteral("metrics")).toObject();
    for (auto it = m.begin(); it != m.end(); ++it) {
        QList<double> rounds;
        for (const QJsonValue& v : it.value().toArray())
            rounds.append(v.toDouble());
        r.metrics.insert(it.key(), rounds);
    }
    for (const QJsonValue& v : o.value(QStringLiteral("findings")).toArray())
        r.findings.append(v.toString());
    for (const QJsonValue& v : o.value(QStringLiteral("charts")).toArray())
        r.charts.append(Chart::fromJson(v.toObject()));
    r.data = o.value(QStringLiteral("data")).toObject();
    r.seconds = o.value(QStringLiteral("seconds")).toDouble();
    r.cancelled = o.value(QStringLiteral("cancelled")).toBool();
    r.error = o.value(QStringLiteral("error")).toString();
    return r;
}

} // namespace clusterlab::experiment
