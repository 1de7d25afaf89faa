// DiagnosticsDialog (Help → Connection diagnostics): the network layer's figures, refreshed
// every second while open, with round-trip latency over time as a small plot. While it is open
// the WebSocket is pinged every two seconds so the plot has something to show.
#pragma once

#include "chatclient.h"

#include <QDialog>
#include <QTimer>
#include <QWidget>

class QLabel;

namespace confab::client {

// A plain line plot of round trips (WebSocket pings and HTTP requests), newest on the right.
class RoundTripPlot : public QWidget
{
    Q_OBJECT
public:
    explicit RoundTripPlot(QWidget *parent = nullptr);
    void setSamples(const QList<Diagnostics::Sample> &samples);
    qsizetype sampleCount() const { return m_samples.size(); }
    QSize sizeHint() const override { return { 420, 140 }; }

protected:
    void paintEvent(QPaintEvent *) override;

private:
    QList<Diagnostics::Sample> m_samples;
};

class DiagnosticsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit DiagnosticsDialog(ChatClient *client, QWidget *parent = nullptr);
    void refresh();
    QString figuresText() const; // what the labels show, one "name: value" per line
    RoundTripPlot *plot() const { return m_plot; }

private:
    ChatClient *m_client;
    RoundTripPlot *m_plot;
    QLabel *m_figures;
    QTimer m_refresh;
    QTimer m_ping;
};

} // namespace confab::client
