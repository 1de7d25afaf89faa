// SettingsDialog: notifications and sounds, theme, font size, closing to the tray, language.
// preferences() is what the user chose; ChatWindow applies and remembers it.
#pragma once

#include "clientsettings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QSpinBox;

namespace confab::client {

class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(const Preferences &current, bool trayAvailable,
                            QWidget *parent = nullptr);
    Preferences preferences() const;

    QComboBox *notifyBox() const { return m_notify; }
    QCheckBox *soundsBox() const { return m_sounds; }
    QComboBox *themeBox() const { return m_theme; }
    QSpinBox *fontSizeBox() const { return m_fontSize; }
    QCheckBox *trayBox() const { return m_tray; }
    QComboBox *languageBox() const { return m_language; }

private:
    QComboBox *m_notify;
    QCheckBox *m_sounds;
    QComboBox *m_theme;
    QSpinBox *m_fontSize;
    QCheckBox *m_tray;
    QComboBox *m_language;
};

} // namespace confab::client
