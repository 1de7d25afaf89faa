// What the client remembers between runs: servers, accounts, per-room settings (ClientSettings)
// and session tokens (TokenStore: keychain, or a file only the user can read).
#include "clientsettings.h"
#include "tokenstore.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace confab::client;

class TestClientStore : public QObject
{
    Q_OBJECT

private slots:
    void serversAndAccountsAreRememberedMostRecentFirst()
    {
        QTemporaryDir dir;
        const QString ini = dir.filePath(u"confab.ini"_s);
        {
            ClientSettings s(ini);
            QVERIFY(s.accounts().isEmpty());
            QVERIFY(!s.lastAccount());
            s.rememberServer(QUrl(u"http://10.0.0.5:7080/"_s));
            s.rememberAccount({ QUrl(u"http://127.0.0.1:7080"_s), u"alice"_s, 1, 0 });
            s.rememberAccount({ QUrl(u"http://10.0.0.5:7080"_s), u"bob"_s, 9, 0,
                                { QUrl(u"http://10.0.0.6:7080"_s), QUrl(u"http://10.0.0.7:7080"_s) } });
            s.rememberAccount({ QUrl(u"http://127.0.0.1:7080"_s), u"alice"_s, 1, 0 }); // again
            s.setLastRoom(u"http://127.0.0.1:7080|alice"_s, 42);
            s.setMuted(u"http://127.0.0.1:7080|alice"_s, 7, true);
            s.setMuted(u"http://127.0.0.1:7080|alice"_s, 8, true);
            s.setMuted(u"http://127.0.0.1:7080|alice"_s, 7, false);
            s.setWindow("geometry-bytes", "state-bytes");
        }
        ClientSettings s(ini); // a new run
        const auto accounts = s.accounts();
        QCOMPARE(accounts.size(), 2);
        QCOMPARE(accounts[0].username, u"alice"_s);
        QCOMPARE(accounts[1].username, u"bob"_s);
        QCOMPARE(accounts[1].userId, 9);
        // bob's server is a cluster: its other nodes come back with it, in order.
        QCOMPARE(accounts[1].nodes, (QList<QUrl> { QUrl(u"http://10.0.0.6:7080"_s),
                                                   QUrl(u"http://10.0.0.7:7080"_s) }));
        QVERIFY(accounts[0].nodes.isEmpty());
        QCOMPARE(s.lastAccount()->key(), u"http://127.0.0.1:7080|alice"_s);
        QCOMPARE(
            s.servers(),
            (QList<QUrl> { QUrl(u"http://127.0.0.1:7080"_s), QUrl(u"http://10.0.0.5:7080"_s) }));
        QCOMPARE(s.lastRoom(accounts[0].key()), 42);
        QCOMPARE(s.lastRoom(accounts[1].key()), 0);
        QCOMPARE(s.mutedRooms(accounts[0].key()), QSet<qint64> { 8 });
        QCOMPARE(s.windowGeometry(), "geometry-bytes"_ba);

        s.forgetAccount(accounts[0].key());
        QCOMPARE(s.accounts().size(), 1);
        QCOMPARE(s.lastAccount()->username, u"bob"_s);
        QCOMPARE(s.lastRoom(accounts[0].key()), 0); // its settings went with it
    }

    void aNodeListSpeaksWhatItsServerSpeaks()
    {
        // Found by hand: typed "127.0.0.1:7202" beside http://127.0.0.1:7201 became https, and
        // the client could not move to that node when its own died.
        const QUrl plain(u"http://10.0.0.11:7080"_s);
        QCOMPARE(parseNodeList(u" 10.0.0.12:7080, 10.0.0.13 ,10.0.0.11:7080,,"_s, plain),
                 (QList<QUrl> { QUrl(u"http://10.0.0.12:7080"_s), QUrl(u"http://10.0.0.13:7080"_s) }));
        QCOMPARE(parseNodeList(u"10.0.0.12:7080"_s, QUrl(u"https://10.0.0.11:7080"_s)),
                 QList<QUrl> { QUrl(u"https://10.0.0.12:7080"_s) });
        QCOMPARE(parseNodeList(u"https://n2:7443"_s, plain), QList<QUrl> { QUrl(u"https://n2:7443"_s) });
        QVERIFY(parseNodeList(u", ,"_s, plain).isEmpty());
    }

    void tokenFileIsPrivateAndSurvivesARestart()
    {
        QTemporaryDir dir;
        const QString tokens = dir.filePath(u"tokens"_s);
        const QString key = u"http://127.0.0.1:7080|alice"_s;
        {
            TokenStore store(tokens, false);
            bool ok = false;
            TokenStore::Backend where = TokenStore::Backend::Keychain;
            store.write(key, u"secret-token"_s, [&](bool o, TokenStore::Backend w) {
                ok = o;
                where = w;
            });
            QVERIFY(ok);
            QCOMPARE(where, TokenStore::Backend::File);
            const QFileInfo file(store.filePath(key));
            QVERIFY(file.exists());
            QCOMPARE(file.permissions() & 0x0077 /* group and other bits */, 0);
            QCOMPARE(file.permissions() & QFile::Permissions(0x7000),
                     QFile::ReadOwner | QFile::WriteOwner);
            QVERIFY(!QFile(store.filePath(key)).readAll().contains("alice")); // name is a hash
        }
        TokenStore store(tokens, false);
        std::optional<QString> read;
        store.read(key, [&](std::optional<QString> t) { read = t; });
        QCOMPARE(read, std::optional<QString>(u"secret-token"_s));
        store.read(u"http://127.0.0.1:7080|bob"_s, [&](std::optional<QString> t) { read = t; });
        QVERIFY(!read);
        store.remove(key);
        store.read(key, [&](std::optional<QString> t) { read = t; });
        QVERIFY(!read);
    }

    void withoutAKeychainServiceTheFileIsUsed()
    {
        // No session bus here: QtKeychain has no backend, and the token must not be lost.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/confab-test-bus");
        QTemporaryDir dir;
        TokenStore store(dir.filePath(u"tokens"_s), true);
        const QString key = u"http://127.0.0.1:7080|carol"_s;
        std::optional<bool> ok;
        TokenStore::Backend where = TokenStore::Backend::Keychain;
        store.write(key, u"carol-token"_s, [&](bool o, TokenStore::Backend w) {
            ok = o;
            where = w;
        });
        QTRY_VERIFY_WITH_TIMEOUT(ok.has_value(), 10000);
        QVERIFY(*ok);
        QCOMPARE(where, TokenStore::Backend::File);
        std::optional<std::optional<QString>> read;
        store.read(key, [&](std::optional<QString> t) { read = t; });
        QTRY_VERIFY_WITH_TIMEOUT(read.has_value(), 10000);
        QCOMPARE(*read, std::optional<QString>(u"carol-token"_s));
    }
};

QTEST_GUILESS_MAIN(TestClientStore)
#include "tst_clientstore.moc"
