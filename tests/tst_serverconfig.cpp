// Configuration precedence: flag > CONFAB_* environment > INI [server] > default.
#include "serverconfig.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace confab::server;
using namespace Qt::StringLiterals;

class tst_ServerConfig : public QObject
{
    Q_OBJECT

private slots:
    void defaultsServeOnLoopback();
    void aLanListenerRegistersByInviteAndTlsFlagsGoTogether();
    void flagBeatsEnvironmentBeatsIniBeatsDefault();
    void invalidValuesAreRefusedWithTheirName();
    void missingConfigFileIsAnError();
};

void tst_ServerConfig::defaultsServeOnLoopback()
{
    const auto cfg = ServerConfig::load({ u"confab-server"_s }, QProcessEnvironment());
    QVERIFY(cfg.ok());
    QCOMPARE(cfg->listen, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(cfg->port, quint16(7080));
    QVERIFY(cfg->dataDir.endsWith(u"/confab-server"_s));
    QVERIFY(cfg->tls); // TLS by default
    QCOMPARE(cfg->registration, u"open"_s); // on loopback
    QCOMPARE(cfg->keepAliveTimeoutMs, 30000);
}

void tst_ServerConfig::aLanListenerRegistersByInviteAndTlsFlagsGoTogether()
{
    auto cfg = ServerConfig::load({ u"confab-server"_s, u"--listen"_s, u"0.0.0.0"_s }, {});
    QVERIFY(cfg.ok());
    QCOMPARE(cfg->registration, u"invite"_s);
    cfg = ServerConfig::load(
        { u"confab-server"_s, u"--listen"_s, u"0.0.0.0"_s, u"--registration"_s, u"closed"_s }, {});
    QCOMPARE(cfg->registration, u"closed"_s);
    QVERIFY(!ServerConfig::load({ u"confab-server"_s, u"--registration"_s, u"anyone"_s }, {}).ok());
    QVERIFY(!ServerConfig::load({ u"confab-server"_s, u"--tls"_s, u"maybe"_s }, {}).ok());
    // A certificate without its key, or with TLS off, is a mistake, not a default.
    QVERIFY(!ServerConfig::load({ u"confab-server"_s, u"--tls-cert"_s, u"/c.pem"_s }, {}).ok());
    QVERIFY(!ServerConfig::load({ u"confab-server"_s, u"--tls"_s, u"off"_s, u"--tls-cert"_s,
                                  u"/c.pem"_s, u"--tls-key"_s, u"/k.pem"_s },
                                {})
                 .ok());
    cfg = ServerConfig::load({ u"confab-server"_s, u"--tls"_s, u"off"_s }, {});
    QVERIFY(cfg.ok());
    QVERIFY(!cfg->tls);
}

void tst_ServerConfig::flagBeatsEnvironmentBeatsIniBeatsDefault()
{
    QTemporaryDir dir;
    const QString ini = dir.filePath(u"confab.ini"_s);
    {
        QSettings s(ini, QSettings::IniFormat);
        s.setValue(u"server/port"_s, 1111);
        s.setValue(u"server/heartbeat-ms"_s, 2222);
        s.setValue(u"server/log-level"_s, u"debug"_s);
        s.setValue(u"server/data-dir"_s, u"/from/ini"_s);
    }
    QProcessEnvironment env;
    env.insert(u"CONFAB_PORT"_s, u"3333"_s);
    env.insert(u"CONFAB_HEARTBEAT_MS"_s, u"4444"_s);
    const auto cfg = ServerConfig::load(
        { u"confab-server"_s, u"--config"_s, ini, u"--port"_s, u"5555"_s }, env);
    QVERIFY(cfg.ok());
    QCOMPARE(cfg->port, quint16(5555)); // flag
    QCOMPARE(cfg->heartbeatMs, 4444); // environment over INI
    QCOMPARE(cfg->logLevel, u"debug"_s); // INI over default
    QCOMPARE(cfg->dataDir, u"/from/ini"_s);
    QCOMPARE(cfg->sessionTtlDays, 30); // default
}

void tst_ServerConfig::invalidValuesAreRefusedWithTheirName()
{
    QProcessEnvironment env;
    env.insert(u"CONFAB_PORT"_s, u"70000"_s);
    auto cfg = ServerConfig::load({ u"confab-server"_s }, env);
    QVERIFY(!cfg.ok());
    QVERIFY(cfg.error().message.contains(u"port"_s));
    cfg = ServerConfig::load({ u"confab-server"_s, u"--listen"_s, u"not-an-address"_s }, {});
    QVERIFY(!cfg.ok());
    cfg = ServerConfig::load({ u"confab-server"_s, u"--log-level"_s, u"chatty"_s }, {});
    QVERIFY(!cfg.ok());
    for (const auto &[flag, value] :
         { std::pair(u"--realtime-threads"_s, u"65"_s), std::pair(u"--discovery"_s, u"maybe"_s),
           std::pair(u"--discovery-port"_s, u"-1"_s), std::pair(u"--name"_s, u" "_s),
           std::pair(u"--log-format"_s, u"xml"_s),
           std::pair(u"--otlp-endpoint"_s, u"ftp://collector/v1/traces"_s),
           std::pair(u"--otlp-endpoint"_s, u"http:///v1/traces"_s) }) {
        cfg = ServerConfig::load({ u"confab-server"_s, flag, value }, {});
        QVERIFY2(!cfg.ok(), qPrintable(flag));
        QVERIFY(cfg.error().message.contains(flag.mid(2)));
    }
    cfg = ServerConfig::load({ u"confab-server"_s, u"--realtime-threads"_s, u"3"_s,
                               u"--discovery"_s, u"off"_s, u"--name"_s, u"Lab"_s,
                               u"--log-format"_s, u"json"_s, u"--otlp-endpoint"_s,
                               u"http://127.0.0.1:4318/v1/traces"_s },
                             {});
    QVERIFY(cfg.ok());
    QCOMPARE(cfg->logFormat, u"json"_s);
    QCOMPARE(cfg->otlpEndpoint, QUrl(u"http://127.0.0.1:4318/v1/traces"_s));
    QCOMPARE(cfg->realtimeThreads, 3);
    QVERIFY(!cfg->discovery);
    QCOMPARE(cfg->name, u"Lab"_s);
    // --name counts code points, as the protocol does: 40 emoji are a valid name, 65 code
    // points and names that lie (a right-to-left override) are not.
    QString emoji;
    for (int i = 0; i < 40; ++i)
        emoji += QString::fromUcs4(U"\U0001F600");
    cfg = ServerConfig::load({ u"confab-server"_s, u"--name"_s, emoji }, {});
    QVERIFY(cfg.ok());
    QCOMPARE(cfg->name, emoji);
    for (const QString &bad : { QString(65, u'a'), u"Lab\u202Eevil"_s })
        QVERIFY(!ServerConfig::load({ u"confab-server"_s, u"--name"_s, bad }, {}).ok());
}

void tst_ServerConfig::missingConfigFileIsAnError()
{
    const auto cfg
        = ServerConfig::load({ u"confab-server"_s, u"--config"_s, u"/nonexistent.ini"_s }, {});
    QVERIFY(!cfg.ok());
    QVERIFY(cfg.error().message.contains(u"does not exist"_s));
}

QTEST_GUILESS_MAIN(tst_ServerConfig)
#include "tst_serverconfig.moc"
