// SPDX-License-Identifier: GPL-3.0-or-later
#include "routemixeditor.h"

#include "load/loadconfig.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QRegularExpression>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace clusterlab {

namespace {

enum Column { RouteColumn, NColumn, WeightColumn, ShareColumn, ColumnCount };

// "/main?n=24&x=1" -> ("/main?x=1", "24"): n gets its own column.
QPair<QString, QString> splitN(const QString& path)
{
    static const QRegularExpression nParam(QStringLiteral("([?&])n=([^&]*)(&?)"));
    const QRegularExpressionMatch m = nParam.match(path);
    if (!m.hasMatch())
        return { path, QString() };
    QString rest = path;
    // Keep the separator the next parameter needs.
    rest.replace(m.capturedStart(0), m.capturedLength(0), m.captured(3).isEmpty() ? QString() : m.captured(1));
    return { rest, m.captured(2) };
}

QString joinN(const QString& route, const QString& n)
{
    if (n.trimmed().isEmpty())
        return route.trimmed();
    return route.trimmed() + (route.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?')) + QStringLiteral("n=") + n.trimmed();
}

} // namespace

QList<QPair<QString, QString>> RouteMixEditor::presetList()
{
    return { { tr("The seed's four routes"), QStringLiteral("/:4, /main?n=24:1, /worker?n=24:1, /child?n=24:1") },
             { tr("Only /"), QStringLiteral("/:1") },
             { tr("CPU-heavy"), QStringLiteral("/main?n=30:1, /worker?n=30:1, /child?n=30:1") } };
}

QList<int> RouteMixEditor::sharesOf(const QList<int>& weights)
{
    const long long total = std::accumulate(weights.cbegin(), weights.cend(), 0LL);
    if (total <= 0)
        return {};
    QList<int> shares;
    QList<QPair<double, int>> remainders; // (remainder, index)
    int given = 0;
    for (int i = 0; i < weights.size(); ++i) {
        const double exact = 100.0 * weights[i] / static_cast<double>(total);
        shares.append(static_cast<int>(exact));
        given += shares.last();
        remainders.append({ exact - shares.last(), i });
    }
    std::stable_sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (int k = 0; given < 100 && k < remainders.size(); ++k, ++given)
        ++shares[remainders[k].second];
    return shares;
}

RouteMixEditor::RouteMixEditor(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("routeMixTable"));
    m_table->setHorizontalHeaderLabels({ tr("Route"), tr("n"), tr("Weight"), tr("Share") });
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(RouteColumn, QHeaderView::Stretch);
    for (int c : { NColumn, WeightColumn, ShareColumn })
        m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setToolTip(tr("Each request's route is drawn by weight; n is fib(n) for /main, /worker and /child (0..45)."));
    // Four rows show; more scroll.
    m_table->setFixedHeight(m_table->horizontalHeader()->sizeHint().height() + 4 * m_table->verticalHeader()->defaultSectionSize() + 4);
    layout->addWidget(m_table);
    auto* row = new QHBoxLayout;
    m_presets = new QComboBox(this);
    m_presets->setObjectName(QStringLiteral("routeMixPresets"));
    m_presets->addItem(tr("Presets…"));
    m_presets->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon); // the panel keeps its width
    m_presets->setMinimumContentsLength(9);
    for (const auto& p : presetList())
        m_presets->addItem(p.first, p.second);
    m_add = new QPushButton(tr("Add"), this);
    m_remove = new QPushButton(tr("Remove"), this);
    row->addWidget(m_presets, 1);
    row->addWidget(m_add);
    row->addWidget(m_remove);
    layout->addLayout(row);

    connect(m_presets, &QComboBox::activated, this, [this](int index) {
        if (index <= 0)
            return;
        setText(m_presets->itemData(index).toString());
        m_presets->setCurrentIndex(0);
        userEdited();
    });
    connect(m_add, &QPushButton::clicked, this, [this]() {
        addRow(QStringLiteral("/"), QString(), 1);
        refreshShares();
        userEdited();
    });
    connect(m_remove, &QPushButton::clicked, this, [this]() {
        const int r = m_table->currentRow();
        if (r < 0 || m_table->rowCount() <= 1)
            return; // a mix keeps one route at least
        m_table->removeRow(r);
        refreshShares();
        userEdited();
    });
    connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (m_updating)
            return;
        m_updating = true;
        if (item->column() == WeightColumn) {
            bool ok = false;
            const int w = item->text().trimmed().toInt(&ok);
            item->setText(QString::number(ok && w >= 1 ? std::min(w, 1000000) : 1));
        } else if (item->column() == NColumn && !item->text().trimmed().isEmpty()) {
            bool ok = false;
            const int n = item->text().trimmed().toInt(&ok);
            item->setText(ok ? QString::number(std::clamp(n, 0, 45)) : QString());
        } else if (item->column() == RouteColumn && !item->text().trimmed().startsWith(QLatin1Char('/'))) {
            item->setText(QLatin1Char('/') + item->text().trimmed());
        }
        m_updating = false;
        refreshShares();
        userEdited();
    });
}

void RouteMixEditor::addRow(const QString& route, const QString& n, int weight)
{
    const bool was = m_updating;
    m_updating = true;
    const int r = m_table->rowCount();
    m_table->insertRow(r);
    m_table->setItem(r, RouteColumn, new QTableWidgetItem(route));
    m_table->setItem(r, NColumn, new QTableWidgetItem(n));
    m_table->setItem(r, WeightColumn, new QTableWidgetItem(QString::number(weight)));
    auto* share = new QTableWidgetItem;
    share->setFlags(share->flags() & ~Qt::ItemIsEditable);
    share->setData(Qt::TextAlignmentRole, int(Qt::AlignRight | Qt::AlignVCenter));
    m_table->setItem(r, ShareColumn, share);
    m_updating = was;
}

bool RouteMixEditor::setText(const QString& mix)
{
    QList<RouteWeight> routes;
    QString error;
    if (!parseRouteMix(mix, &routes, &error))
        return false;
    m_updating = true;
    m_table->setRowCount(0);
    for (const RouteWeight& r : std::as_const(routes)) {
        const auto [route, n] = splitN(QString::fromLatin1(r.path));
        addRow(route, n, r.weight);
    }
    m_updating = false;
    refreshShares();
    return true;
}

QString RouteMixEditor::text() const
{
    QStringList parts;
    for (int r = 0; r < m_table->rowCount(); ++r) {
        const QString route = m_table->item(r, RouteColumn)->text();
        if (route.trimmed().isEmpty())
            continue;
        parts << QStringLiteral("%1:%2").arg(joinN(route, m_table->item(r, NColumn)->text()), m_table->item(r, WeightColumn)->text());
    }
    return parts.join(QStringLiteral(", "));
}

void RouteMixEditor::refreshShares()
{
    QList<int> weights;
    for (int r = 0; r < m_table->rowCount(); ++r)
        weights.append(m_table->item(r, WeightColumn)->text().toInt());
    const QList<int> shares = sharesOf(weights);
    const bool was = m_updating;
    m_updating = true;
    for (int r = 0; r < m_table->rowCount(); ++r)
        m_table->item(r, ShareColumn)->setText(r < shares.size() ? QStringLiteral("%1%").arg(shares[r]) : QString());
    m_updating = was;
    m_remove->setEnabled(m_table->rowCount() > 1);
}

void RouteMixEditor::userEdited()
{
    Q_EMIT edited(text());
}

} // namespace clusterlab
