#include "settingsdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

SettingsDialog::SettingsDialog(const Preferences &current, bool trayAvailable, QWidget *parent)
    : QDialog(parent)
    , m_notify(new QComboBox(this))
    , m_sounds(new QCheckBox(tr("Play a &sound"), this))
    , m_theme(new QComboBox(this))
    , m_fontSize(new QSpinBox(this))
    , m_tray(new QCheckBox(tr("&Closing the window keeps Confab running in the tray"), this))
    , m_language(new QComboBox(this))
{
    setWindowTitle(tr("Settings"));
    auto *layout = new QVBoxLayout(this);

    auto *notifications = new QGroupBox(tr("Notifications"), this);
    auto *nf = new QFormLayout(notifications);
    m_notify->addItem(tr("All messages"), int(Preferences::Notify::All));
    m_notify->addItem(tr("Mentions only"), int(Preferences::Notify::Mentions));
    m_notify->addItem(tr("Nothing"), int(Preferences::Notify::None));
    m_notify->setCurrentIndex(m_notify->findData(int(current.notify)));
    m_notify->setAccessibleName(tr("Notify me about"));
    m_notify->setAccessibleDescription(
        tr("Which new messages notify you while Confab is not in front. Muted rooms notify "
           "only mentions."));
    nf->addRow(tr("&Notify me about:"), m_notify);
    m_sounds->setChecked(current.sounds);
    m_sounds->setAccessibleDescription(tr("A sound with each notification"));
    nf->addRow(QString(), m_sounds);
    layout->addWidget(notifications);

    auto *appearance = new QGroupBox(tr("Appearance"), this);
    auto *af = new QFormLayout(appearance);
    m_theme->addItem(tr("Follow the system"), int(Preferences::Theme::System));
    m_theme->addItem(tr("Light"), int(Preferences::Theme::Light));
    m_theme->addItem(tr("Dark"), int(Preferences::Theme::Dark));
    m_theme->setCurrentIndex(m_theme->findData(int(current.theme)));
    m_theme->setAccessibleName(tr("Theme"));
    af->addRow(tr("&Theme:"), m_theme);
    m_fontSize->setRange(0, 32);
    m_fontSize->setSpecialValueText(tr("System default"));
    m_fontSize->setSuffix(tr(" pt"));
    m_fontSize->setValue(current.fontPointSize);
    m_fontSize->setAccessibleName(tr("Font size"));
    m_fontSize->setAccessibleDescription(tr("Text size in points; 0 follows the system"));
    af->addRow(tr("&Font size:"), m_fontSize);
    m_language->addItem(tr("Follow the system"), QString());
    m_language->addItem(u"English"_s, u"en"_s);
    m_language->addItem(u"Deutsch"_s, u"de"_s);
    m_language->setCurrentIndex(std::max(0, m_language->findData(current.language)));
    m_language->setAccessibleName(tr("Language"));
    m_language->setAccessibleDescription(tr("Takes effect the next time Confab starts"));
    af->addRow(tr("&Language:"), m_language);
    auto *restart = new QLabel(tr("A new language takes effect the next time Confab starts."),
                               this);
    restart->setWordWrap(true);
    restart->setForegroundRole(QPalette::PlaceholderText);
    af->addRow(QString(), restart);
    layout->addWidget(appearance);

    auto *window = new QGroupBox(tr("Window"), this);
    auto *wf = new QVBoxLayout(window);
    m_tray->setChecked(current.closeToTray && trayAvailable);
    m_tray->setEnabled(trayAvailable);
    m_tray->setAccessibleDescription(trayAvailable
                                         ? tr("Quit from the tray icon or Confab → Quit")
                                         : tr("This desktop has no system tray"));
    wf->addWidget(m_tray);
    layout->addWidget(window);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

Preferences SettingsDialog::preferences() const
{
    Preferences p;
    p.notify = Preferences::Notify(m_notify->currentData().toInt());
    p.sounds = m_sounds->isChecked();
    p.theme = Preferences::Theme(m_theme->currentData().toInt());
    p.fontPointSize = m_fontSize->value();
    p.closeToTray = m_tray->isChecked();
    p.language = m_language->currentData().toString();
    return p;
}

} // namespace confab::client
