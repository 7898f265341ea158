// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "loadconfig.h"
#include "platform/loadplatform.h"
#include "loadresult.h"
#include "pacer.h"
#include "routemix.h"

#include <QPair>
#include <QSet>

#include <llhttp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace clusterlab {

namespace platform {
class ConnectionOwners;
}

// The load generator's engine: C connections on one thread, non-blocking
// sockets and a poller (loadplatform.h), no pipelining. Every failure
// returns to the loop (nothing re-issues in place, so a storm of immediate
// failures neither spins nor recurses); failed connects back off per
// connection (1 ms doubling to 1 s); an idle keep-alive connection the
// server closed is noticed before reuse, and a request that fails on a
// reused connection before any response byte is sent once more on a fresh
// one (LoadSummary::retries). A timed run ends at its deadline, cutting what
// is in flight; a paced run never schedules past it. Used by LoadGenerator
// on its thread; not thread-safe (cancel is the one shared flag).
class LoadEngine
{
public:
    using Progress = std::function<void(const LoadProgress&)>;
    using RecordSink = std::function<void(const LoadRecord&)>;

    LoadEngine(const LoadConfig& config, const loadplatform::Address& address, const std::atomic<bool>* cancel,
               Progress progress, RecordSink sink);
    ~LoadEngine();
    LoadEngine(const LoadEngine&) = delete;
    LoadEngine& operator=(const LoadEngine&) = delete;

    LoadSummary run();

private:
    enum class State { Idle, Waiting, Connecting, Writing, Reading, Done };
    struct Conn
    {
        int index = 0;
        bool headRequests = false;      // answers carry no body (the method is HEAD)
        qintptr fd = -1;
        State state = State::Idle;
        llhttp_t parser {};
        LoadRecord rec;
        std::size_t written = 0;
        bool reused = false;
        bool retried = false;     // this request was already sent again once
        bool complete = false;
        bool responseKeepAlive = true;
        std::int64_t notBeforeNs = 0; // connect back-off
        std::int64_t idleSinceNs = 0; // the last answer (keep-alive reuse check)
        std::int64_t backoffNs = 0;
        std::string field;        // the header name being read, at most kMaxKeptHeaderBytes of it
        std::string value;        // X-Worker-Pid's or X-Connection-Id's value, likewise
        std::size_t headBytes = 0; // header bytes of this response so far
        bool headTooLong = false;
        int header = 0; // 1 X-Worker-Pid, 2 X-Connection-Id, 3 other, -1 between headers
        // Attribution through the OS (LoadConfig::attribute), per socket:
        std::int64_t connectedNs = 0;
        qint64 ownerPid = 0;            // the server process holding this socket's other end, once known
        bool ownerItemised = true;      // false: a process past the limit, counted with the further ones
        bool ownerGone = false;         // the server side is gone: no more lookups
        std::int64_t answeredUnowned = 0; // answered on this socket before its owner was known
        std::int64_t unownedUnstamped = 0; // of those, how many had no X-Connection-Id
        quint64 serial = 0;             // which opening of a socket this is (1, 2, 3… per run)
        qint64 unownedHeaderPid = 0;      // the X-Worker-Pid of those, when the server sent one
        std::int64_t lastAnswerNs = 0;
        std::int64_t firstAnswerNs = 0;   // the first byte of this socket's first answer
    };

    static Conn* connOf(llhttp_t* p) { return static_cast<Conn*>(p->data); }
    static int onMessageBegin(llhttp_t* p);
    static int onHeaderField(llhttp_t* p, const char* at, std::size_t len);
    static int onHeaderValue(llhttp_t* p, const char* at, std::size_t len);
    static int onHeaderValueComplete(llhttp_t* p);
    static int onHeadersComplete(llhttp_t* p);
    static int onMessageComplete(llhttp_t* p);
    // Counts a piece of the response head; false (the request fails as
    // HeaderTooLong) past kMaxResponseHeadBytes.
    static bool countHead(Conn* c, std::size_t len);

    bool cancelled() const { return m_cancel->load(std::memory_order_relaxed); }
    void issue(Conn& c, std::int64_t now);
    void begin(Conn& c, std::int64_t now);
    void openSocket(Conn& c, std::int64_t now);
    void writeSome(Conn& c, std::int64_t now);
    void readSome(Conn& c, std::int64_t now);
    void finishRequest(Conn& c, std::int64_t now, LoadError error);
    void closeSocket(Conn& c);
    void connected(Conn& c, std::int64_t now);
    // Looks up the owner of c's server side; true once it is known.
    bool attribute(Conn& c, std::int64_t now, bool rescanNow);
    // Before c's socket closes: a last lookup, or c's answers counted unattributed.
    void settleAttribution(Conn& c);
    // Counts an answered request for the process holding its connection.
    void countAttributed(Conn& c, const LoadRecord& r);
    // Requests per server connection (LoadSummary::perServerConnection), bounded.
    void countOnServerConnection(qint64 pid, quint64 connection, qint64 requests);
    void cutAtDeadline();
    void reportProgress(std::int64_t now, bool force);

    LoadConfig m_config;
    loadplatform::Address m_address;
    const std::atomic<bool>* m_cancel;
    Progress m_progress;
    RecordSink m_sink;
    llhttp_settings_t m_settings {};
    std::vector<std::string> m_requests; // serialised, one per route
    RouteMix m_mix;
    Pacer m_pacer;
    std::vector<Conn> m_conns;
    std::unique_ptr<platform::ConnectionOwners> m_owners; // with LoadConfig::attribute
    std::int64_t m_lastForcedLookupNs = 0; // the last lookup that rescanned the target now
    loadplatform::Poller m_poller;
    LoadSummary m_summary;
    std::int64_t m_issued = 0;
    std::int64_t m_t0 = 0;
    std::int64_t m_endNs = 0;   // INT64_MAX for counted runs
    std::int64_t m_connectFailuresInARow = 0;
    bool m_spin = false; // poll the last kSpinNs before a due request (low rates)
    QString m_lastConnectError;
    std::int64_t m_lastProgressNs = 0;
    std::int64_t m_lastProgressDone = 0;
};

} // namespace clusterlab
