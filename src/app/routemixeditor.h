// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <QWidget>

class QComboBox;
class QPushButton;
class QTableWidget;

namespace clusterlab {

// The load test's route mix as a small table: route, n, weight and each
// route's share of the requests (the shares sum to 100%), with presets. It
// reads and writes the mix's text form, the one `bench --route` and the
// panel's line take ("/:4, /main?n=24:1"), so either can be edited.
class RouteMixEditor : public QWidget
{
    Q_OBJECT
public:
    explicit RouteMixEditor(QWidget* parent = nullptr);

    // False (the rows unchanged) when the text is not a route mix.
    bool setText(const QString& mix);
    QString text() const;

    QTableWidget* table() const { return m_table; }
    QComboBox* presets() const { return m_presets; }
    // Name and text of each preset, in the order the list shows them.
    static QList<QPair<QString, QString>> presetList();
    // Shares in whole percent that sum to 100 (largest remainders), one
    // per weight; empty when the weights sum to 0.
    static QList<int> sharesOf(const QList<int>& weights);

Q_SIGNALS:
    // The user changed the rows (an edit, a preset, a row added or removed).
    void edited(const QString& mix);

private:
    void addRow(const QString& route, const QString& n, int weight);
    void refreshShares();
    void userEdited();

    QTableWidget* m_table = nullptr;
    QComboBox* m_presets = nullptr;
    QPushButton* m_add = nullptr;
    QPushButton* m_remove = nullptr;
    bool m_updating = false;
};

} // namespace clusterlab
