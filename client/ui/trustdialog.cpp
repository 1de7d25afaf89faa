#include "trustdialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

QLabel *plainLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setTextFormat(Qt::PlainText); // server-controlled text is never HTML
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

QString TrustDialog::formatFingerprint(const QString &fingerprint)
{
    const QStringList pairs = fingerprint.split(u':');
    QStringList lines;
    for (qsizetype i = 0; i < pairs.size(); i += 8)
        lines << pairs.mid(i, 8).join(u':');
    return lines.join(u'\n');
}

TrustDialog::TrustDialog(const QUrl &server, const ServerTrust::Pending &pending,
                         const QString &announced, QWidget *parent)
    : QDialog(parent)
{
    const bool changed = pending.seen == ServerTrust::Seen::Changed;
    const QString where = server.host() + u':' + QString::number(server.port(7080));
    setWindowTitle(changed ? tr("Certificate changed") : tr("Trust this server?"));
    setMinimumWidth(460);
    auto *layout = new QVBoxLayout(this);

    m_headline = plainLabel(
        changed ? tr("WARNING: the certificate of %1 has CHANGED since you last connected.")
                      .arg(where)
                : tr("You are connecting to %1 for the first time.").arg(where),
        this);
    QFont bold = m_headline->font();
    bold.setBold(true);
    m_headline->setFont(bold);
    if (changed)
        m_headline->setStyleSheet(u"color: #b00020;"_s);
    layout->addWidget(m_headline);

    layout->addWidget(plainLabel(
        changed ? tr("Nothing has been sent to it. This can mean someone on the network is "
                     "intercepting the connection, or that the server was reinstalled or given "
                     "a new certificate. Ask the server's admin which fingerprint is right before "
                     "you go on.")
                : tr("Its certificate is not signed by an authority this computer trusts. Check "
                     "that the fingerprint below is the one the server's admin sees "
                     "(confab-server --print-fingerprint). Confab remembers your answer and "
                     "warns you if it ever changes. Nothing has been sent yet."),
        this));

    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    layout->addWidget(plainLabel(changed ? tr("New SHA-256 fingerprint:") : tr("SHA-256 fingerprint:"),
                                 this));
    m_fingerprint = plainLabel(formatFingerprint(pending.fingerprint), this);
    m_fingerprint->setFont(mono);
    layout->addWidget(m_fingerprint);
    if (changed) {
        layout->addWidget(plainLabel(tr("Trusted before:"), this));
        auto *old = plainLabel(formatFingerprint(pending.pinned), this);
        old->setFont(mono);
        layout->addWidget(old);
    }
    if (!announced.isEmpty()) {
        const bool same = announced == pending.fingerprint;
        m_announced = plainLabel(
            same ? tr("The server's announcement on the LAN carried the same fingerprint.")
                 : tr("The server's announcement on the LAN carried a DIFFERENT fingerprint:\n%1")
                       .arg(formatFingerprint(announced)),
            this);
        if (!same)
            m_announced->setStyleSheet(u"color: #b00020;"_s);
        layout->addWidget(m_announced);
    }
    if (!pending.problems.isEmpty()) {
        auto *why = plainLabel(tr("Why it needs your decision: %1").arg(pending.problems), this);
        why->setEnabled(false);
        layout->addWidget(why);
    }

    auto *buttons = new QDialogButtonBox(this);
    m_trust = buttons->addButton(changed ? tr("Trust the new certificate") : tr("Trust and connect"),
                                 QDialogButtonBox::AcceptRole);
    QPushButton *cancel = buttons->addButton(QDialogButtonBox::Cancel);
    if (changed) {
        m_confirm = new QCheckBox(tr("I have checked the new fingerprint with the server's admin"),
                                  this);
        layout->addWidget(m_confirm);
        m_trust->setEnabled(false);
        connect(m_confirm, &QCheckBox::toggled, m_trust, &QPushButton::setEnabled);
        cancel->setDefault(true);
        m_trust->setAutoDefault(false);
    } else {
        m_trust->setDefault(true);
    }
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

} // namespace confab::client
