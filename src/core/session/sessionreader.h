// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/clusterfeed.h"
#include "sessionfile.h"
#include "telemetry/histogram.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QPointF>
#include <QString>

#include <array>
#include <functional>
#include <memory>

class QIODevice;

namespace clusterlab {

// Everything a session says, read back in one pass over its tables: what
// the window's charts, tables and comparison need. Any thread (each read
// opens its own read-only connection); a 10-million-request session reads
// in seconds, in bounded memory (histograms, per-second series).
struct SessionSummary
{
    QString path;
    QJsonObject meta;           // format, version, created_utc, source, machine (JSON text), settings (JSON text)
    QJsonObject settings;       // meta.settings, parsed
    std::int64_t originNs = 0;  // steady ns of second 0
    double durationSeconds = 0; // origin to the last thing recorded

    // Server side (requests served by the cluster's workers).
    quint64 requests = 0;
    QHash<int, std::array<std::array<std::uint64_t, 4>, kRouteCount>> counts; // worker x route x path
    QHash<int, qint64> lastPid;                                                // by worker
    std::array<HdrHistogram, kRouteCount> latency;                         // headers -> written
    std::array<std::array<double, 4>, kRouteCount> breakdownMs {};             // queue, compute, spawn, transport
    QHash<int, QList<QPointF>> throughput;                                     // by worker: (s, req/s), per second
    std::array<QList<QPointF>, kRouteCount> latencyP99;                        // by route: (s, ms), per second
    std::int64_t firstRequestNs = 0, lastRequestNs = 0;

    // Workers' health samples.
    quint64 samples = 0;
    QHash<int, QList<QPointF>> lagMs; // by worker: (s, worst lag per 100 ms)
    QHash<int, WorkerSample> lastSample;

    QStringList events;

    // Client side: load tests and what their requests saw.
    struct LoadTest
    {
        int id = 0;
        QString target;
        QJsonObject config;
        QJsonObject summary; // empty when the test never ended
    };
    QList<LoadTest> loadTests;
    quint64 loadRequests = 0;
    QMap<QString, std::shared_ptr<HdrHistogram>> clientLatency; // by route path: end - intended
    std::int64_t firstLoadNs = 0, lastLoadNs = 0;
    QList<QPointF> clientThroughput; // (s, responses/s), per second

    QJsonArray experiments; // each a RunReport JSON

    // Answered requests per route and second (the routes of routeFigures():
    // the server's when it has any, else the client's): what a comparison's
    // throughput interval resamples. Second s counts answers completed in
    // [s, s+1) from the origin.
    QMap<QString, QMap<qint64, quint64>> routeSeconds;

    // A live-view feed of this session (not running), for the window.
    std::shared_ptr<const ChartFeed> toFeed() const;

    // Per-route figures for a comparison: from the server's records when the
    // session has any, else from the load tests' client-side records.
    struct RouteFigures
    {
        quint64 count = 0;
        double p50Ms = 0, p90Ms = 0, p99Ms = 0, maxMs = 0;
        double requestsPerSecond = 0;
        const HdrHistogram* histogram = nullptr;
    };
    QMap<QString, RouteFigures> routeFigures() const;
    bool measuredByClient() const { return requests == 0 && loadRequests > 0; }
    QString title() const; // file name, source and date, for legends
};

// What a session may hold before the reader refuses it: far more than the
// app writes (its temporary session stops at 16 GiB, about 360 million
// requests; serve runs at most 256 workers), far less than would exhaust
// memory. Memory while reading grows with these limits, not with what a
// file claims. Each refusal names the limit it hit.
struct SessionReadLimits
{
    qint64 maxRows = 1'000'000'000;     // rows of requests, of worker_samples and of load_requests, each
    int maxWorkers = 1024;              // distinct worker indexes
    int maxLoadRoutes = 256;            // distinct load-test routes (one latency histogram each)
    int maxLoadTests = 100'000;
    int maxEventsKept = 100'000;        // more are counted in one closing line
    int maxTextChars = 1 << 20;         // one meta value, load-test setting or summary, or event
    qint64 maxSeriesPoints = 4'000'000; // per-second and per-sample points, all series together
    int maxExperiments = 1000;
};

struct SessionReadOptions
{
    session::ReadOptions open;
    SessionReadLimits limits;
};

// Reads a session (opened read-only and checked as session::openForReading
// does). False with the reason; `cancelled` is polled between rows and by
// SQLite's progress handler.
bool readSession(const QString& path, SessionSummary* out, QString* error, const std::function<bool()>& cancelled = {});
bool readSession(const QString& path, SessionSummary* out, QString* error, const SessionReadOptions& options);

// Streams the server-side requests of a session as CSV or JSON (the
// formats of `serve --record FILE.csv` and the window's record export).
bool exportSessionRequests(const QString& sessionPath, QIODevice* out, bool json, QString* error,
                           const session::ReadOptions& options = {});

// Two sessions side by side: per route, both figures and B/A.
struct SessionComparison
{
    struct Row
    {
        QString route;
        SessionSummary::RouteFigures a, b;
        double p50Ratio = 0, p99Ratio = 0, throughputRatio = 0; // b / a (0: not comparable)
    };
    QList<Row> rows;
    QString aTitle, bTitle;
    bool aByClient = false, bByClient = false;
    static SessionComparison of(const SessionSummary& a, const SessionSummary& b);
};

} // namespace clusterlab
