// Trust on first use, as a user meets it in the connect dialog, against real TLS servers whose
// certificates this machine does not trust: the first connection asks (and nothing is sent
// before the answer), the same certificate later is silent, a changed certificate is blocked
// with a warning that takes an explicit confirmation, and a certificate signed by a trusted CA
// is accepted without a prompt.
#include "clientsettings.h"
#include "logindialog.h"
#include "testsupport.h"
#include "trustdialog.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

double requests(TestServer &s, const QString &route, const QString &status)
{
    return s.server().metrics().counterValue(u"confab_http_requests_total"_s,
                                             { route, u"POST"_s, status });
}

// Pixels of `color` (within a small tolerance) in what `widget` shows.
int pixelsLike(QWidget *widget, QColor color)
{
    const QImage image = widget->grab().toImage();
    int n = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (qAbs(c.red() - color.red()) < 40 && qAbs(c.green() - color.green()) < 40
                && qAbs(c.blue() - color.blue()) < 40)
                ++n;
        }
    }
    return n;
}

// A dark pixel count: text drawn in the default palette.
int darkPixels(QWidget *widget)
{
    const QImage image = widget->grab().toImage();
    int n = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x)
            n += qGray(image.pixel(x, y)) < 100;
    }
    return n;
}

} // namespace

class tst_TrustFlow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        qputenv("CONFAB_TEST_TLS", "1"); // every TestServer serves TLS here
        setTrustNewServers(false); // ...with a certificate nobody trusts yet
    }
    void firstUseAsksTheSameIsSilentAChangeIsBlocked();
    void aCertificateFromATrustedAuthorityIsSilent();
};

void tst_TrustFlow::firstUseAsksTheSameIsSilentAChangeIsBlocked()
{
    QTemporaryDir dir;
    ClientSettings settings(dir.filePath(u"confab.ini"_s));
    const quint16 port = freeLocalPort();
    const QString address = u"127.0.0.1:%1"_s.arg(port);
    LoginDialog::Options o;
    o.server = address;
    o.settings = &settings;
    o.discover = false;
    QString first;
    {
        TestServer server([&](server::ServerConfig &c) { c.port = port; });
        QVERIFY(server.ok());
        first = server.server().fingerprint();

        // First use: the dialog asks, showing the fingerprint; nothing has reached the server.
        LoginDialog dialog(o);
        dialog.show();
        dialog.usernameEdit()->setText(u"ann"_s);
        dialog.passwordEdit()->setText(u"password123"_s);
        QTest::mouseClick(dialog.registerButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog.trustDialog());
        TrustDialog *ask = dialog.trustDialog();
        QTRY_VERIFY(ask->isVisible());
        QVERIFY(ask->headline()->text().contains(u"first time"_s));
        QCOMPARE(ask->fingerprintLabel()->text(), TrustDialog::formatFingerprint(first));
        QVERIFY(ask->fingerprintLabel()->isVisible());
        QVERIFY(darkPixels(ask->fingerprintLabel()) > 50); // the fingerprint is drawn
        QCOMPARE(pixelsLike(ask, QColor(0xb0, 0x00, 0x20)), 0); // no alarm on first use
        QVERIFY(ask->trustButton()->isEnabled());
        QCOMPARE(requests(server, u"/api/v1/auth/register"_s, u"201"_s), 0.0);
        QVERIFY(dialog.errorLabel()->text().contains(u"not trusted yet"_s));

        // Trusted: the register goes through, then the login; the answer is remembered.
        QTest::mouseClick(ask->trustButton(), Qt::LeftButton);
        QTRY_COMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(requests(server, u"/api/v1/auth/register"_s, u"201"_s), 1.0);
        QCOMPARE(settings.pinnedFingerprint(QUrl(dialog.server())), first);
        QVERIFY(dialog.securityLabel()->text().contains(first.left(11)));

        // The same certificate next time: no question.
        LoginDialog again(o);
        again.show();
        again.usernameEdit()->setText(u"ann"_s);
        again.passwordEdit()->setText(u"password123"_s);
        QTest::mouseClick(again.loginButton(), Qt::LeftButton);
        QTRY_COMPARE(again.result(), int(QDialog::Accepted));
        QVERIFY(!again.trustDialog());
    }

    // The same address, another certificate (a reinstall, or someone in the middle).
    TestServer other([&](server::ServerConfig &c) { c.port = port; });
    QVERIFY(other.ok());
    QVERIFY(other.server().fingerprint() != first);
    LoginDialog dialog(o);
    dialog.show();
    dialog.usernameEdit()->setText(u"ann"_s);
    dialog.passwordEdit()->setText(u"password123"_s);
    QTest::mouseClick(dialog.loginButton(), Qt::LeftButton);
    QTRY_VERIFY(dialog.trustDialog());
    TrustDialog *warn = dialog.trustDialog();
    QTRY_VERIFY(warn->isVisible());
    QVERIFY(warn->headline()->text().contains(u"CHANGED"_s));
    QCOMPARE(warn->fingerprintLabel()->text(),
             TrustDialog::formatFingerprint(other.server().fingerprint()));
    QVERIFY(pixelsLike(warn, QColor(0xb0, 0x00, 0x20)) > 50); // the warning is red on screen
    // Blocked: no password went out, and accepting takes an explicit confirmation.
    QCOMPARE(requests(other, u"/api/v1/auth/login"_s, u"401"_s), 0.0);
    QCOMPARE(requests(other, u"/api/v1/auth/login"_s, u"200"_s), 0.0);
    QVERIFY(!warn->trustButton()->isEnabled());
    QVERIFY(dialog.errorLabel()->text().contains(u"CHANGED"_s));
    warn->reject();
    QTest::qWait(200);
    QVERIFY(dialog.result() != int(QDialog::Accepted));
    QCOMPARE(settings.pinnedFingerprint(QUrl(dialog.server())), first); // still the old one
    QCOMPARE(requests(other, u"/api/v1/auth/login"_s, u"401"_s), 0.0);

    // Only the explicit action accepts it.
    QTest::mouseClick(dialog.loginButton(), Qt::LeftButton);
    QTRY_VERIFY(dialog.trustDialog());
    dialog.trustDialog()->confirmBox()->setChecked(true);
    QVERIFY(dialog.trustDialog()->trustButton()->isEnabled());
    QTest::mouseClick(dialog.trustDialog()->trustButton(), Qt::LeftButton);
    // (ann does not exist on this new server: the login is refused, but by the server.)
    QTRY_COMPARE(requests(other, u"/api/v1/auth/login"_s, u"401"_s), 1.0);
    QCOMPARE(settings.pinnedFingerprint(QUrl(dialog.server())), other.server().fingerprint());
}

void tst_TrustFlow::aCertificateFromATrustedAuthorityIsSilent()
{
    QTemporaryDir dir;
    const auto ca = makeTestCa(dir.path());
    QVERIFY(ca);
    trustCertificate(ca->caPem); // as if the system trusted this CA
    TestServer server([&](server::ServerConfig &c) {
        c.tlsCert = ca->certPath;
        c.tlsKey = ca->keyPath;
    });
    QVERIFY(server.ok());
    ClientSettings settings(dir.filePath(u"confab.ini"_s));
    LoginDialog::Options o;
    o.server = u"127.0.0.1:%1"_s.arg(server.port());
    o.settings = &settings;
    o.discover = false;
    LoginDialog dialog(o);
    dialog.show();
    dialog.usernameEdit()->setText(u"cay"_s);
    dialog.passwordEdit()->setText(u"password123"_s);
    QTest::mouseClick(dialog.registerButton(), Qt::LeftButton);
    QTRY_COMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.trustDialog());
    QVERIFY(settings.pinnedFingerprint(QUrl(dialog.server())).isEmpty()); // nothing to pin
}

QTEST_MAIN(tst_TrustFlow)
#include "tst_trustflow.moc"
