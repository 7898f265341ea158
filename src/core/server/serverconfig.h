// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/httprequestparser.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

namespace clusterlab {

// The defaults, from the machine, in one place (a worker's, the cluster's
// settings, the window's feed): /worker threads one per core, /child tasks
// two per core.
int defaultPoolThreads();
int defaultMaxChildren();

// Everything a worker's HTTP server can be told. Value type; the defaults
// are the product's defaults.
struct ServerConfig
{
    QHostAddress host = QHostAddress(QHostAddress::LocalHost);
    QStringList allowedHosts; // Host names answered besides the address (HostPolicy), e.g. a machine name
    quint16 port = 3000;
    int workerIndex = 0;
    int poolThreads = 0;        // 0 -> one per core
    int maxChildren = 0;        // running tasks; 0 -> 2 x cores
    int maxQueue = 64;          // waiting /worker jobs, and waiting /child tasks
    int maxConnections = 1000;  // beyond: 503 and close
    int maxPipelined = 32;      // requests in flight per connection before we stop reading
    int headerTimeoutMs = 10000; // a started request must be complete by then -> 408
    int idleTimeoutMs = 5000;   // an idle keep-alive connection is closed after this
    int writeTimeoutMs = 10000; // output waiting and not one byte taken by the client for this long -> closed
    int taskTimeoutMs = 60000;  // a /child task running longer -> 504
    QString taskProgram;        // empty -> clusterlab-task next to this executable
    // The experiments' parameters on /worker and /child: fault=crash|throw|hang
    // and payload=MiB. Off: either is a 400. Never on by default.
    bool faultInjection = false;
    HttpRequestParser::Limits limits;

    // Fills the "0 -> default" fields from the machine.
    ServerConfig resolved() const;
};

} // namespace clusterlab
