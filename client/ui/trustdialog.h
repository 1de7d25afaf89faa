// TrustDialog: asks the user whether to trust a server's TLS certificate (trust on first use),
// or warns that a trusted server's certificate CHANGED. Shows the fingerprint the connection
// presented, beside the one the LAN announcement carried when there is one, and how to check
// it with the server's admin (confab-server --print-fingerprint). Accepting a changed
// certificate takes an explicit confirmation; the default button is always Cancel for it.
#pragma once

#include "servertrust.h"

#include <QDialog>
#include <QUrl>

class QCheckBox;
class QLabel;
class QPushButton;

namespace confab::client {

class TrustDialog : public QDialog
{
    Q_OBJECT
public:
    // `announced`: the fingerprint LAN discovery reported for this server (may be empty).
    TrustDialog(const QUrl &server, const ServerTrust::Pending &pending,
                const QString &announced = {}, QWidget *parent = nullptr);

    QLabel *headline() const { return m_headline; }
    QLabel *fingerprintLabel() const { return m_fingerprint; }
    QLabel *announcedLabel() const { return m_announced; }
    QCheckBox *confirmBox() const { return m_confirm; }
    QPushButton *trustButton() const { return m_trust; }

    // Groups "AB:CD:..." in four lines of eight pairs, easy to read aloud and compare.
    static QString formatFingerprint(const QString &fingerprint);

private:
    QLabel *m_headline;
    QLabel *m_fingerprint;
    QLabel *m_announced = nullptr;
    QCheckBox *m_confirm = nullptr;
    QPushButton *m_trust;
};

} // namespace confab::client
