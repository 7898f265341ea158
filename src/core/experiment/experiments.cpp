// SPDX-License-Identifier: GPL-3.0-or-later
#include "experiments.h"

namespace clusterlab::experiment {

std::vector<std::unique_ptr<Experiment>> Experiment::all()
{
    std::vector<std::unique_ptr<Experiment>> list;
    list.push_back(std::make_unique<ScalingExperiment>());
    list.push_back(std::make_unique<CrossoverExperiment>());
    list.push_back(std::make_unique<BlockingExperiment>());
    list.push_back(std::make_unique<IsolationExperiment>());
    list.push_back(std::make_unique<SharingExperiment>());
    list.push_back(std::make_unique<BalanceExperiment>());
    list.push_back(std::make_unique<DistributionExperiment>());
    list.push_back(std::make_unique<FootprintExperiment>());
    return list;
}

std::unique_ptr<Experiment> Experiment::byName(const QString& name)
{
    for (auto& e : all()) {
        if (e->name() == name)
            return std::move(e);
    }
    return nullptr;
}

QStringList Experiment::names()
{
    QStringList n;
    for (const auto& e : all())
        n.append(e->name());
    return n;
}

} // namespace clusterlab::experiment
