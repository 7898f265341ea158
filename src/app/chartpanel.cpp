// SPDX-License-Identifier: GPL-3.0-or-later
#include "chartpanel.h"

#include <QBuffer>

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QClipboard>
#include <QDialog>
#include <QEvent>
#include <QResizeEvent>
#include <QFileInfo>
#include <QGridLayout>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <QVBoxLayout>

#include <algorithm>

namespace clusterlab {

namespace {
// The line under a chart on what it shows: whole when the chart has the
// height, one line ending in "…" when it is short (the whole text is the
// panel's tooltip either way).
class ExplanationLabel : public QLabel
{
public:
    ExplanationLabel(const QString& text, QWidget* parent)
        : QLabel(text, parent)
        , m_full(text)
    {
        setWordWrap(true);
        setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    void setOneLine(bool oneLine)
    {
        if (oneLine == m_oneLine)
            return;
        m_oneLine = oneLine;
        setWordWrap(!oneLine);
        // One line: the label takes the width it is given (not its text's).
        setSizePolicy(oneLine ? QSizePolicy::Ignored : QSizePolicy::Preferred, QSizePolicy::Preferred);
        refit();
    }

protected:
    void resizeEvent(QResizeEvent* event) override
    {
        QLabel::resizeEvent(event);
        refit();
    }

private:
    void refit()
    {
        const QString shown = m_oneLine ? fontMetrics().elidedText(m_full, Qt::ElideRight, qMax(0, width())) : m_full;
        if (shown != text())
            setText(shown);
    }
    QString m_full;
    bool m_oneLine = false;
};
} // namespace

ChartPanel::ChartPanel(const QString& title, const QString& explanation, QWidget* parent)
    : QWidget(parent)
    , m_title(title)
{
    m_chart = new QChart;
    m_chart->setTitle(title);
    m_chart->setAnimationOptions(QChart::NoAnimation); // redraws come 10 times a second
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumSize(280, 220);
    // Over the plot area while it is empty, never over the axes' labels.
    m_emptyHint = new QLabel(m_view->viewport());
    setEmptyHint(QString());
    m_emptyHint->setAlignment(Qt::AlignCenter);
    m_emptyHint->setWordWrap(true);
    m_emptyHint->setStyleSheet(QStringLiteral("QLabel { color: #555; background: rgba(255,255,255,210); padding: 6px; }"));
    connect(m_chart, &QChart::plotAreaChanged, this, &ChartPanel::placeEmptyHint);
    auto* plot = new QGridLayout;
    plot->addWidget(m_view, 0, 0);
    m_explanation = new ExplanationLabel(explanation, this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(plot, 1);
    layout->addWidget(m_explanation);
    setToolTip(explanation);
    m_view->viewport()->installEventFilter(this); // a double-click opens the chart large
}

ChartPanel::~ChartPanel()
{
    if (m_large) {
        // The chart lives in the large window's scene: take it back before
        // that window goes, so that it is deleted once, with our view.
        auto* large = m_large->findChild<QChartView*>();
        if (large != nullptr)
            bringBack(large);
        delete m_large;
    }
}

void ChartPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    placeEmptyHint();
    static_cast<ExplanationLabel*>(m_explanation)->setOneLine(height() < kWholeExplanationHeight);
}

bool ChartPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::MouseButtonDblClick) {
        openLarge();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ChartPanel::openLarge()
{
    if (m_large) {
        m_large->raise();
        m_large->activateWindow();
        return;
    }
    auto* dialog = new QDialog(this, Qt::Window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(m_title);
    auto* large = new QChartView(dialog);
    large->setRenderHint(QPainter::Antialiasing);
    auto* layout = new QVBoxLayout(dialog);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(large);
    // A chart is in one view at a time: ours moves to the large view (its
    // series keep updating there), the small view shows a stand-in.
    m_standIn = new QChart;
    m_standIn->setTitle(tr("%1 — open in its own window").arg(m_title));
    m_view->setChart(m_standIn);
    QChart* unused = large->chart();
    large->setChart(m_chart);
    delete unused;
    connect(dialog, &QDialog::finished, this, [this, large]() { bringBack(large); });
    m_large = dialog;
    dialog->resize(window()->size() * 0.8);
    dialog->show();
}

void ChartPanel::bringBack(QChartView* large)
{
    if (m_standIn == nullptr)
        return;
    large->setChart(new QChart); // the large view lets go of ours (its scene deletes the empty one)
    m_view->setChart(m_chart);
    delete m_standIn;
    m_standIn = nullptr;
}

bool ChartPanel::showsEmptyHint() const
{
    return !m_emptyHint->isHidden();
}

QString ChartPanel::emptyHintText() const
{
    return m_emptyHint->text();
}

void ChartPanel::setEmpty(bool empty)
{
    if (m_emptyHint->isHidden() == empty) {
        m_emptyHint->setVisible(empty);
        if (empty)
            placeEmptyHint();
    }
}

void ChartPanel::setEmptyHint(const QString& hint)
{
    m_emptyHint->setText(hint.isEmpty() ? tr("No data yet: send a request or start a load test") : hint);
    placeEmptyHint();
}

void ChartPanel::placeEmptyHint()
{
    // Centred on the plot area, as wide as it at most (wrapped to fit).
    if (m_emptyHint == nullptr || m_view->chart() != m_chart)
        return;
    const QRectF area = m_chart->plotArea();
    const QPoint centre = m_view->mapFromScene(m_chart->mapToScene(area.center()));
    const int most = std::max(120, static_cast<int>(area.width()) - 8);
    const QMargins pad = m_emptyHint->contentsMargins();
    const int text = m_emptyHint->fontMetrics().horizontalAdvance(m_emptyHint->text()) + pad.left() + pad.right() + 2 * 6 + 2;
    const int w = std::min(text, most);
    const int h = m_emptyHint->heightForWidth(w);
    m_emptyHint->resize(w, h > 0 ? h : m_emptyHint->sizeHint().height());
    m_emptyHint->move(centre - QPoint(m_emptyHint->width() / 2, m_emptyHint->height() / 2));
}

namespace {
// The "No data yet" notice lies over the view (a child of its viewport):
// a picture of the chart is taken without it, as the PDF and the report are.
class WithoutNotice
{
public:
    explicit WithoutNotice(QWidget* notice)
        : m_notice(notice)
        , m_shown(!notice->isHidden())
    {
        if (m_shown)
            m_notice->hide();
    }
    ~WithoutNotice()
    {
        if (m_shown)
            m_notice->show();
    }
    WithoutNotice(const WithoutNotice&) = delete;
    WithoutNotice& operator=(const WithoutNotice&) = delete;

private:
    QWidget* m_notice;
    bool m_shown;
};

QString checkWritable(const QString& path)
{
    const QFileInfo dir(QFileInfo(path).absolutePath());
    if (!dir.exists())
        return QStringLiteral("the folder %1 does not exist").arg(dir.filePath());
    if (!dir.isWritable())
        return QStringLiteral("the folder %1 is not writable").arg(dir.filePath());
    return QString();
}
} // namespace

QString ChartPanel::exportPng(const QString& path, qreal scale) const
{
    const QString problem = checkWritable(path);
    if (!problem.isEmpty())
        return problem;
    const QSize size = m_view->size();
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale); // HiDPI: twice the pixels, same layout
    image.fill(Qt::white);
    {
        const WithoutNotice without(m_emptyHint);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        m_view->render(&painter);
    }
    if (!image.save(path, "PNG"))
        return QStringLiteral("could not write %1 (disk full or not allowed?)").arg(path);
    return QString();
}

QByteArray ChartPanel::svg(QSize size) const
{
    // Drawn at the given size (the chart laid out for it), not the view's.
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator generator;
    generator.setOutputDevice(&buffer);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    generator.setTitle(m_title);
    QPainter painter;
    if (!painter.begin(&generator))
        return {};
    renderInto(&painter, QRectF(QPointF(0, 0), QSizeF(size)));
    painter.end();
    return buffer.data();
}

QString ChartPanel::exportSvg(const QString& path) const
{
    const QString problem = checkWritable(path);
    if (!problem.isEmpty())
        return problem;
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(m_view->size());
    svg.setViewBox(QRect(QPoint(0, 0), m_view->size()));
    svg.setTitle(m_title);
    svg.setDescription(QStringLiteral("ClusterLab chart"));
    QPainter painter;
    if (!painter.begin(&svg))
        return QStringLiteral("could not write %1").arg(path);
    const WithoutNotice without(m_emptyHint);
    m_view->render(&painter);
    painter.end();
    if (QFileInfo(path).size() == 0)
        return QStringLiteral("could not write %1 (disk full?)").arg(path);
    return QString();
}

QString ChartPanel::exportPdf(const QString& path) const
{
    const QString problem = checkWritable(path);
    if (!problem.isEmpty())
        return problem;
    QPdfWriter pdf(path);
    pdf.setTitle(m_title);
    pdf.setCreator(QStringLiteral("ClusterLab"));
    pdf.setPageOrientation(QPageLayout::Landscape);
    QPainter painter;
    if (!painter.begin(&pdf))
        return QStringLiteral("could not write %1").arg(path);
    renderInto(&painter, QRectF(QPointF(0, 0), QSizeF(pdf.width(), pdf.height())));
    painter.end();
    if (QFileInfo(path).size() == 0)
        return QStringLiteral("could not write %1 (disk full?)").arg(path);
    return QString();
}

void ChartPanel::renderInto(QPainter* painter, const QRectF& target) const
{
    m_chart->scene()->render(painter, target, m_chart->sceneBoundingRect(), Qt::KeepAspectRatio);
}

void ChartPanel::copyToClipboard() const
{
    const WithoutNotice without(m_emptyHint);
    QApplication::clipboard()->setPixmap(m_view->grab());
}

} // namespace clusterlab
