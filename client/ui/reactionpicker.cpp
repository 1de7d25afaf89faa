#include "reactionpicker.h"

using namespace Qt::StringLiterals;

namespace confab::client {

const QStringList &ReactionPicker::common()
{
    static const QStringList keys { u"👍"_s, u"❤️"_s, u"😂"_s, u"🎉"_s,
                                    u"😮"_s, u"😢"_s, u"🙏"_s, u"👀"_s };
    return keys;
}

QStringList ReactionPicker::choices(const QStringList &recent)
{
    QStringList out;
    for (const QStringList *list : { &recent, &common() }) {
        for (const QString &key : *list) {
            if (!out.contains(key) && out.size() < Shown)
                out.append(key);
        }
    }
    return out;
}

ReactionPicker::ReactionPicker(const QStringList &recent, QWidget *parent)
    : QMenu(parent)
{
    setAccessibleName(tr("Reactions"));
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 1.4); // emoji large enough to tell apart
    setFont(f);
    for (const QString &key : choices(recent)) {
        QAction *a = addAction(key);
        a->setToolTip(tr("React with %1").arg(key));
        connect(a, &QAction::triggered, this, [this, key] { emit picked(key); });
    }
}

} // namespace confab::client
