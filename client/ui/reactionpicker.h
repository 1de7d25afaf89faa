// ReactionPicker: the small menu the "React" action opens: the user's recent reactions first,
// then a common set, each once. Picking one emits `picked`.
#pragma once

#include <QMenu>

namespace confab::client {

class ReactionPicker : public QMenu
{
    Q_OBJECT
public:
    static constexpr int Shown = 8;
    static const QStringList &common(); // 👍 ❤️ 😂 🎉 😮 😢 🙏 👀
    // What the menu offers for these recent keys (newest first): at most Shown.
    static QStringList choices(const QStringList &recent);

    ReactionPicker(const QStringList &recent, QWidget *parent = nullptr);

signals:
    void picked(const QString &key);
};

} // namespace confab::client
