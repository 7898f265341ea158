// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "lab.h"
#include "result.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace clusterlab::experiment {

// One experiment: a question from the seed's table, a method, and the
// measurements under stable metric names (verdict.h reads them). The
// runner gives it a Lab on its own thread; run() checks lab.cancelled()
// between steps and returns early (result.cancelled) when asked.
class Experiment
{
public:
    // `name`: the command line's ("scaling"), a string literal; `title`:
    // what a person reads ("Scaling the HTTP server with workers").
    Experiment(const char* name, const char* title)
        : m_name(name)
        , m_title(title)
    {
    }
    virtual ~Experiment() = default;
    QString name() const { return QString::fromLatin1(m_name); }
    QString title() const { return QString::fromUtf8(m_title); }
    virtual QString question() const = 0;
    // Seconds it should take with these settings (for progress and ETA).
    virtual double estimatedSeconds(const ExperimentSettings& settings, int cores) const = 0;
    virtual void run(Lab& lab, ExperimentResult& result) = 0;
    // Whether what it measures goes through /worker or /child, so that the
    // Node engine's two offload modes (per request, pooled) each need a run.
    virtual bool perOffloadMode() const { return true; }

    // Every experiment, in the order `all` runs them.
    static std::vector<std::unique_ptr<Experiment>> all();
    static std::unique_ptr<Experiment> byName(const QString& name);
    static QStringList names();

private:
    const char* m_name;
    const char* m_title;
};

} // namespace clusterlab::experiment
