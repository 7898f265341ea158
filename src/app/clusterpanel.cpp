// SPDX-License-Identifier: GPL-3.0-or-later
#include "clusterpanel.h"

#include "experimentspage.h"
#include "labcontroller.h"
#include "workertablemodel.h"

#include <QComboBox>
#include <QLineEdit>
#include <QProcess>
#include <QFormLayout>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTableView>
#include <QThread>
#include <QVBoxLayout>

namespace clusterlab {

ClusterPanel::ClusterPanel(LabController* lab, QWidget* parent)
    : QWidget(parent)
    , m_lab(lab)
{
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_workers = new QSpinBox(this);
    m_workers->setRange(1, 64);
    m_workers->setValue(qMax(1, QThread::idealThreadCount()));
    m_workers->setToolTip(tr("Worker processes (applied at start; use + and − to scale a running cluster)"));
    m_policy = new QComboBox(this);
    m_policy->addItems({ QStringLiteral("round-robin"), QStringLiteral("shared"), QStringLiteral("reuseport") });
    m_policy->setToolTip(tr("round-robin: the primary hands each connection to the next worker. shared: the "
                            "OS picks among workers accepting on one socket. reuseport: each worker has its own "
                            "socket and the kernel hashes (Linux)."));
    m_engine = new QComboBox(this);
    m_engine->addItem(tr("Native (C++)"), QStringLiteral("native"));
    m_engine->addItem(tr("Node.js"), QStringLiteral("node"));
    m_engine->addItem(tr("A server on this machine"), QStringLiteral("external"));
    m_engine->addItem(tr("A command I start"), QStringLiteral("command"));
    // The panel keeps its width whatever the longest choice says.
    m_engine->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_engine->setMinimumContentsLength(16);
    m_engine->setToolTip(tr("Native: clusterlab-worker processes. Node.js: Node's own cluster module, worker_threads "
                            "and child_process, as the seed's demo uses them. A server on this machine, or a command "
                            "the lab starts: any server, unchanged; which process took each connection is found "
                            "through the operating system."));
    m_command = new QLineEdit(this);
    m_command->setPlaceholderText(tr("node server.js"));
    m_command->setToolTip(tr("The command to start (its process group is stopped with it); the port below is where it "
                             "listens."));
    if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty()
        && QStandardPaths::findExecutable(QStringLiteral("nodejs")).isEmpty()) {
        // Not a broken choice: a disabled one that says why.
        auto* model = qobject_cast<QStandardItemModel*>(m_engine->model());
        if (QStandardItem* item = model != nullptr ? model->item(1) : nullptr) {
            item->setEnabled(false);
            item->setToolTip(tr("Node.js is not installed (no `node` on the PATH): install Node.js 18 or newer"));
            item->setText(tr("Node.js (not installed)"));
        }
    }
    m_threads = new QComboBox(this);
    m_children = new QComboBox(this);
    for (QComboBox* mode : { m_threads, m_children }) {
        mode->addItem(tr("a new one per request (Node)"), QStringLiteral("per-request"));
        mode->addItem(tr("a reused pool (Node)"), QStringLiteral("pool"));
    }
    m_threads->setToolTip(tr("Node.js /worker: a new Worker thread per request (the seed's code) or a reused pool"));
    m_children->setToolTip(tr("Node.js /child: a new forked child per request (the seed's code) or a reused pool"));
    auto updateOffload = [this]() {
        const QString engine = m_engine->currentData().toString();
        const bool node = engine == QLatin1String("node");
        const bool external = engine == QLatin1String("external") || engine == QLatin1String("command");
        m_threads->setEnabled(node);
        m_children->setEnabled(node);
        m_workers->setEnabled(!external);
        m_policy->setEnabled(!external);
        m_command->setEnabled(engine == QLatin1String("command"));
        m_port->setSpecialValueText(external ? tr("3000") : tr("3000 or the next free"));
    };
    m_port = new QSpinBox(this);
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("3000 or the next free"));
    m_port->setValue(0);
    connect(m_engine, &QComboBox::currentIndexChanged, this, updateOffload);
    updateOffload();
    form->addRow(tr("Engine"), m_engine);
    // One row each: side by side they made the panel, and the window, wider than 1280 px.
    form->addRow(tr("/worker on"), m_threads);
    form->addRow(tr("/child in"), m_children);
    form->addRow(tr("Workers"), m_workers);
    form->addRow(tr("Policy"), m_policy);
    form->addRow(tr("Port"), m_port);
    form->addRow(tr("Command"), m_command);
    layout->addLayout(form);

    auto* buttons = new QGridLayout;
    m_startStop = new QPushButton(tr("Start"), this);
    auto* rolling = new QPushButton(tr("Rolling restart"), this);
    auto* scaleUp = new QPushButton(tr("Scale +"), this);
    auto* scaleDown = new QPushButton(tr("Scale −"), this);
    auto* kill = new QPushButton(tr("Kill selected"), this);
    auto* revive = new QPushButton(tr("Revive"), this);
    kill->setToolTip(tr("SIGKILL the selected worker: watch the supervisor replace it"));
    revive->setToolTip(tr("Start an errored worker slot again (after it failed to start too often)"));
    rolling->setToolTip(tr("Replace every worker, one at a time, without refusing a connection"));
    buttons->addWidget(m_startStop, 0, 0);
    buttons->addWidget(rolling, 0, 1);
    buttons->addWidget(scaleUp, 1, 0);
    buttons->addWidget(scaleDown, 1, 1);
    buttons->addWidget(kill, 2, 0);
    buttons->addWidget(revive, 2, 1);
    layout->addLayout(buttons);
    layout->addStretch(1);
    m_eventView = new QPlainTextEdit(this); // the window docks it beside the worker table
    m_eventView->setReadOnly(true);
    m_eventView->setMaximumBlockCount(2000);

    m_model = new WorkerTableModel(this);
    m_table = new QTableView(this); // the window docks it elsewhere
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this]() {
        const QModelIndexList rows = m_table->selectionModel()->selectedRows();
        Q_EMIT workerSelected(rows.isEmpty() ? -1 : m_model->indexAtRow(rows.first().row()));
    });

    connect(m_startStop, &QPushButton::clicked, this, [this]() {
        if (m_lab->isRunning())
            stopCluster();
        else
            startCluster();
    });
    // A server the lab did not start is not scaled, restarted or revived by
    // it: those buttons wait for one of the lab's own engines.
    connect(m_lab, &LabController::clusterChanged, this, [rolling, scaleUp, scaleDown, revive](const Engine* cluster) {
        const bool ours = cluster == nullptr || !cluster->needsAttribution();
        for (QPushButton* b : { rolling, scaleUp, scaleDown, revive }) {
            b->setEnabled(ours);
            b->setToolTip(ours ? b->toolTip().section(QLatin1Char('\n'), 0, 0)
                               : b->toolTip().section(QLatin1Char('\n'), 0, 0) + tr("\n(not for a server the lab did not start)"));
        }
    });
    connect(scaleUp, &QPushButton::clicked, m_lab, [this]() { m_lab->scaleBy(+1); });
    connect(scaleDown, &QPushButton::clicked, m_lab, [this]() { m_lab->scaleBy(-1); });
    connect(rolling, &QPushButton::clicked, m_lab, &LabController::rollingRestart);
    // What the lab says, shown.
    for (const QString& line : m_lab->eventLog())
        m_eventView->appendPlainText(line);
    connect(m_lab, &LabController::eventLogged, m_eventView, &QPlainTextEdit::appendPlainText);
    connect(m_lab, &LabController::urlChanged, this,
            [this](const QString& url) { m_startStop->setText(url.isEmpty() ? tr("Start") : tr("Stop")); });
    connect(kill, &QPushButton::clicked, this, [this]() {
        const QModelIndexList rows = m_table->selectionModel()->selectedRows();
        if (rows.isEmpty())
            Q_EMIT message(tr("Select a worker in the table first."));
        else
            killWorkerAtRow(rows.first().row());
    });
    connect(revive, &QPushButton::clicked, this, [this]() {
        const QModelIndexList rows = m_table->selectionModel()->selectedRows();
        if (rows.isEmpty())
            Q_EMIT message(tr("Select an errored worker in the table first."));
        else if (!reviveWorkerAtRow(rows.first().row()))
            Q_EMIT message(tr("That worker is not errored: nothing to revive."));
    });
}

ClusterPanel::~ClusterPanel() = default;

ClusterConfig ClusterPanel::configFromForm() const
{
    ClusterConfig config;
    config.workers = m_workers->value();
    config.policy = *policyFromName(m_policy->currentText());
    parseEngineKind(m_engine->currentData().toString(), &config.engine);
    const QString engine = m_engine->currentData().toString();
    if (engine == QLatin1String("external") || engine == QLatin1String("command")) {
        // A server the lab did not start: its port as it is (the seed's 3000 by default).
        config.engine = EngineKind::External;
        config.port = m_port->value() != 0 ? static_cast<quint16>(m_port->value()) : kDefaultPort;
        if (engine == QLatin1String("command"))
            config.externalCommand = QProcess::splitCommand(m_command->text());
        return config;
    }
    parseOffloadMode(m_threads->currentData().toString(), &config.threads);
    parseOffloadMode(m_children->currentData().toString(), &config.children);
    if (m_port->value() != 0) {
        config.port = static_cast<quint16>(m_port->value());
    } else {
        // The default port may be busy: the cluster takes the next free one
        // itself (binding each candidate for real), and says so.
        config.port = kDefaultPort;
        config.portAttempts = 50;
    }
    return config;
}

bool ClusterPanel::startCluster(QString* errorOut)
{
    return m_lab->start(configFromForm(), errorOut);
}

void ClusterPanel::stopCluster()
{
    m_lab->stop();
}

bool ClusterPanel::killWorkerAtRow(int row)
{
    return m_lab->killWorker(m_model->indexAtRow(row), 9);
}

bool ClusterPanel::reviveWorkerAtRow(int row)
{
    return m_lab->reviveWorker(m_model->indexAtRow(row));
}

void ClusterPanel::yieldTo(ExperimentsPage* experiments)
{
    experiments->setBeforeRun([this](std::function<void()> go) { m_lab->pauseFor(std::move(go)); });
    connect(experiments, &ExperimentsPage::runFinished, m_lab, [this]() { m_lab->resumeAfterPause(); });
}

void ClusterPanel::selectWorker(int index)
{
    if (m_table == nullptr)
        return;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->indexAtRow(row) == index) {
            m_table->selectRow(row);
            return;
        }
    }
    m_table->clearSelection();
}

int ClusterPanel::workersSetting() const
{
    return m_workers->value();
}

void ClusterPanel::setWorkersSetting(int n)
{
    m_workers->setValue(n);
}

QString ClusterPanel::engineSetting() const
{
    return m_engine->currentData().toString();
}

void ClusterPanel::setEngineSetting(const QString& engine)
{
    const int i = m_engine->findData(engine);
    auto* model = qobject_cast<QStandardItemModel*>(m_engine->model());
    if (i >= 0 && (model == nullptr || model->item(i)->isEnabled()))
        m_engine->setCurrentIndex(i);
}

void ClusterPanel::setPortSetting(int port)
{
    m_port->setValue(port);
}

void ClusterPanel::setCommandSetting(const QString& command)
{
    m_command->setText(command);
}

QString ClusterPanel::policySetting() const
{
    return m_policy->currentText();
}

void ClusterPanel::setPolicySetting(const QString& policy)
{
    m_policy->setCurrentText(policy);
}

void ClusterPanel::loadSettings()
{
    QSettings s;
    m_workers->setValue(s.value(QStringLiteral("cluster/workers"), m_workers->value()).toInt());
    const QString policy = s.value(QStringLiteral("cluster/policy"), QStringLiteral("round-robin")).toString();
    if (m_policy->findText(policy) >= 0)
        m_policy->setCurrentText(policy);
    m_port->setValue(s.value(QStringLiteral("cluster/port"), 0).toInt());
    setEngineSetting(s.value(QStringLiteral("cluster/engine"), QStringLiteral("native")).toString());
    for (const auto& [key, box] : { std::pair<const char*, QComboBox*> { "cluster/threads", m_threads },
                                    { "cluster/children", m_children } }) {
        const int i = box->findData(s.value(QLatin1String(key), QStringLiteral("per-request")));
        if (i >= 0)
            box->setCurrentIndex(i);
    }
}

void ClusterPanel::saveSettings() const
{
    QSettings s;
    s.setValue(QStringLiteral("cluster/workers"), m_workers->value());
    s.setValue(QStringLiteral("cluster/policy"), m_policy->currentText());
    // A server the lab did not start is not where the next start begins: the
    // window opens with its own cluster running (the last engine of its own
    // and that engine's port are kept).
    const QString engine = engineSetting();
    if (engine != QLatin1String("external") && engine != QLatin1String("command")) {
        s.setValue(QStringLiteral("cluster/port"), m_port->value());
        s.setValue(QStringLiteral("cluster/engine"), engine);
    }
    s.setValue(QStringLiteral("cluster/threads"), m_threads->currentData());
    s.setValue(QStringLiteral("cluster/children"), m_children->currentData());
}

} // namespace clusterlab
