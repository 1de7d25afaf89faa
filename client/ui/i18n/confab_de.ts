<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>QObject</name>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>%1 cannot be shown: %2</source>
        <translation>%1 kann nicht angezeigt werden: %2</translation>
    </message>
</context>
<context>
    <name>confab::client::AccountDialog</name>
    <message>
        <source>&amp;Sign out the selected device</source>
        <translation>Ausgewähltes Gerät &amp;abmelden</translation>
    </message>
    <message>
        <source>Sign out my &amp;other devices</source>
        <translation>Meine &amp;anderen Geräte abmelden</translation>
    </message>
    <message>
        <source>C&amp;hange password</source>
        <translation>Passwort ä&amp;ndern</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Devices logged in</source>
        <translation>Angemeldete Geräte</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <source>Logged in</source>
        <translation>Angemeldet</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>C&amp;urrent password</source>
        <translation>&amp;Aktuelles Passwort</translation>
    </message>
    <message>
        <source>&amp;New password</source>
        <translation>&amp;Neues Passwort</translation>
    </message>
    <message>
        <source>&amp;Repeat it</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <source>(unnamed)</source>
        <translation>(ohne Namen)</translation>
    </message>
    <message>
        <source>%1 (this one)</source>
        <translation>%1 (dieses)</translation>
    </message>
    <message>
        <source>Signed out %1.</source>
        <translation>%1 abgemeldet.</translation>
    </message>
    <message>
        <source>that device</source>
        <translation>dieses Gerät</translation>
    </message>
    <message>
        <source>The new password and its repetition differ.</source>
        <translation>Das neue Passwort und seine Wiederholung stimmen nicht überein.</translation>
    </message>
    <message>
        <source>Password changed.</source>
        <translation>Passwort geändert.</translation>
    </message>
    <message numerus="yes">
        <source>Password changed. Other devices signed out: %n.</source>
        <translation>
            <numerusform>Passwort geändert. Andere Geräte abgemeldet: %n.</numerusform>
            <numerusform>Passwort geändert. Andere Geräte abgemeldet: %n.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>confab::client::ChatWindow</name>
    <message>
        <source>Retry now</source>
        <translation>Jetzt erneut versuchen</translation>
    </message>
    <message>
        <source>Room name</source>
        <translation>Raumname</translation>
    </message>
    <message>
        <source>Room topic</source>
        <translation>Thema des Raums</translation>
    </message>
    <message>
        <source>Who is typing</source>
        <translation>Wer gerade schreibt</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>Verbindung</translation>
    </message>
    <message>
        <source>Encryption</source>
        <translation>Verschlüsselung</translation>
    </message>
    <message>
        <source>Retry connecting now</source>
        <translation>Jetzt erneut verbinden</translation>
    </message>
    <message>
        <source>Not encrypted</source>
        <translation>Nicht verschlüsselt</translation>
    </message>
    <message>
        <source>TLS is off on this server: traffic is in clear text.</source>
        <translation>TLS ist auf diesem Server aus: alles geht im Klartext über das Netz.</translation>
    </message>
    <message>
        <source>Encrypted (TLS)</source>
        <translation>Verschlüsselt (TLS)</translation>
    </message>
    <message>
        <source>Encrypted · SHA-256 %1…</source>
        <translation>Verschlüsselt · SHA-256 %1…</translation>
    </message>
    <message>
        <source>Encrypted; the certificate is signed by a trusted authority.</source>
        <translation>Verschlüsselt; das Zertifikat ist von einer vertrauenswürdigen Stelle signiert.</translation>
    </message>
    <message>
        <source>Encrypted with TLS to the certificate SHA-256 %1</source>
        <translation>Mit TLS verschlüsselt zum Zertifikat SHA-256 %1</translation>
    </message>
    <message>
        <source>Show Confab</source>
        <translation>Confab zeigen</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>&amp;Confab</source>
        <translation>&amp;Confab</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Profile…</source>
        <translation>&amp;Profil…</translation>
    </message>
    <message>
        <source>&amp;Account (devices, password)…</source>
        <translation>&amp;Konto (Geräte, Passwort)…</translation>
    </message>
    <message>
        <source>Log &amp;out</source>
        <translation>Ab&amp;melden</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Room</source>
        <translation>&amp;Raum</translation>
    </message>
    <message>
        <source>&amp;New room…</source>
        <translation>&amp;Neuer Raum…</translation>
    </message>
    <message>
        <source>&amp;Join room…</source>
        <translation>Raum &amp;beitreten…</translation>
    </message>
    <message>
        <source>&amp;Direct message…</source>
        <translation>&amp;Direktnachricht…</translation>
    </message>
    <message>
        <source>Room &amp;settings…</source>
        <translation>Raum&amp;einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Mute room</source>
        <translation>Raum &amp;stummschalten</translation>
    </message>
    <message>
        <source>&amp;Leave room</source>
        <translation>Raum &amp;verlassen</translation>
    </message>
    <message>
        <source>Leave room</source>
        <translation>Raum verlassen</translation>
    </message>
    <message>
        <source>Leave “%1”?</source>
        <translation>„%1“ verlassen?</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>&amp;Gehe zu</translation>
    </message>
    <message>
        <source>&amp;Find room</source>
        <translation>Raum &amp;finden</translation>
    </message>
    <message>
        <source>&amp;Previous room</source>
        <translation>&amp;Vorheriger Raum</translation>
    </message>
    <message>
        <source>&amp;Next room</source>
        <translation>&amp;Nächster Raum</translation>
    </message>
    <message>
        <source>&amp;Messages</source>
        <translation>&amp;Nachrichten</translation>
    </message>
    <message>
        <source>&amp;Composer</source>
        <translation>&amp;Eingabefeld</translation>
    </message>
    <message>
        <source>Show &amp;members</source>
        <translation>&amp;Mitglieder zeigen</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Connection &amp;diagnostics</source>
        <translation>Verbindungs&amp;diagnose</translation>
    </message>
    <message>
        <source>&amp;Retry now</source>
        <translation>Jetzt &amp;erneut versuchen</translation>
    </message>
    <message>
        <source>&amp;About Confab</source>
        <translation>&amp;Über Confab</translation>
    </message>
    <message>
        <source>About Confab</source>
        <translation>Über Confab</translation>
    </message>
    <message>
        <source>Confab %1: self-hosted chat for your LAN.</source>
        <translation>Confab %1: selbst betriebener Chat für dein lokales Netz.</translation>
    </message>
    <message>
        <source>Profile saved</source>
        <translation>Profil gespeichert</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 schreibt…</translation>
    </message>
    <message>
        <source>%1 and %2 are typing…</source>
        <translation>%1 und %2 schreiben…</translation>
    </message>
    <message>
        <source>Several people are typing…</source>
        <translation>Mehrere Personen schreiben…</translation>
    </message>
    <message>
        <source>%1 mentioned you in %2</source>
        <translation>%1 hat dich in %2 erwähnt</translation>
    </message>
    <message numerus="yes">
        <source>Confab: %n unread</source>
        <translation>
            <numerusform>Confab: %n ungelesen</numerusform>
            <numerusform>Confab: %n ungelesen</numerusform>
        </translation>
    </message>
    <message>
        <source>Not sent: %1 (%2 of at most %3 characters). Nothing was lost: the text is still here.</source>
        <translation>Nicht gesendet: %1 (%2 von höchstens %3 Zeichen). Nichts ging verloren: der Text ist noch da.</translation>
    </message>
    <message>
        <source>Edit not saved: %1</source>
        <translation>Änderung nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>Not deleted: %1</source>
        <translation>Nicht gelöscht: %1</translation>
    </message>
    <message>
        <source>&amp;Copy text</source>
        <translation>Text &amp;kopieren</translation>
    </message>
    <message>
        <source>&amp;Retry</source>
        <translation>&amp;Erneut senden</translation>
    </message>
    <message>
        <source>&amp;Discard</source>
        <translation>&amp;Verwerfen</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>De&amp;lete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>Editing your message: Enter saves, Escape cancels</source>
        <translation>Du bearbeitest deine Nachricht: Eingabe speichert, Esc bricht ab</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
    <message>
        <source>Delete message</source>
        <translation>Nachricht löschen</translation>
    </message>
    <message>
        <source>Delete this message for everyone?</source>
        <translation>Diese Nachricht für alle löschen?</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Connected; the server answers in %1 ms</source>
        <translation>Verbunden; der Server antwortet in %1 ms</translation>
    </message>
    <message>
        <source>Limited connection (events over HTTP)</source>
        <translation>Eingeschränkte Verbindung (Ereignisse über HTTP)</translation>
    </message>
    <message>
        <source>Live updates come over a slower HTTP stream because the WebSocket connection does not get through. Messages still arrive.</source>
        <translation>Neuigkeiten kommen über einen langsameren HTTP-Strom, weil die WebSocket-Verbindung nicht durchkommt. Nachrichten kommen trotzdem an.</translation>
    </message>
    <message>
        <source>Connecting in %1 s</source>
        <translation>Verbinde in %1 s</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde…</translation>
    </message>
    <message>
        <source>Messages you send are kept and delivered when the server is back.</source>
        <translation>Nachrichten, die du sendest, werden aufbewahrt und zugestellt, sobald der Server wieder da ist.</translation>
    </message>
    <message>
        <source>Offline — messages will be sent when the server is back</source>
        <translation>Offline — Nachrichten werden gesendet, sobald der Server wieder da ist</translation>
    </message>
    <message>
        <source>Messages you send are kept on this computer and delivered when the server is back.</source>
        <translation>Nachrichten, die du sendest, bleiben auf diesem Computer und werden zugestellt, sobald der Server wieder da ist.</translation>
    </message>
    <message>
        <source>You are not in any room yet.
Create one for your team, or join one that exists.</source>
        <translation>Du bist noch in keinem Raum.
Erstelle einen für dein Team oder tritt einem bestehenden bei.</translation>
    </message>
    <message>
        <source>New room…</source>
        <translation>Neuer Raum…</translation>
    </message>
    <message>
        <source>Join a room…</source>
        <translation>Raum beitreten…</translation>
    </message>
    <message>
        <source>Create a new room</source>
        <translation>Einen neuen Raum erstellen</translation>
    </message>
    <message>
        <source>Join a public room</source>
        <translation>Einem öffentlichen Raum beitreten</translation>
    </message>
    <message>
        <source>Welcome to Confab</source>
        <translation>Willkommen bei Confab</translation>
    </message>
    <message>
        <source>First &amp;unread message</source>
        <translation>Erste &amp;ungelesene Nachricht</translation>
    </message>
    <message>
        <source>Mark &amp;all rooms read</source>
        <translation>&amp;Alle Räume als gelesen markieren</translation>
    </message>
    <message>
        <source>Replying to</source>
        <translation>Antwort auf</translation>
    </message>
    <message>
        <source>Replying to %1: %2 — Escape cancels</source>
        <translation>Antwort an %1: %2 — Esc bricht ab</translation>
    </message>
    <message>
        <source>Reaction %1 not saved: %2</source>
        <translation>Reaktion %1 nicht gespeichert: %2</translation>
    </message>
    <message>
        <source>&amp;Search messages…</source>
        <translation>Nachrichten &amp;suchen…</translation>
    </message>
    <message>
        <source>room %1</source>
        <translation>Raum %1</translation>
    </message>
    <message>
        <source>Copy &amp;link</source>
        <translation>&amp;Link kopieren</translation>
    </message>
    <message>
        <source>Link copied: paste it in a message to point at this one</source>
        <translation>Link kopiert: in eine Nachricht einfügen, um auf diese zu verweisen</translation>
    </message>
    <message>
        <source>&amp;Reply</source>
        <translation>&amp;Antworten</translation>
    </message>
    <message>
        <source>Re&amp;act…</source>
        <translation>Re&amp;agieren…</translation>
    </message>
    <message>
        <source>Not a link to a message: %1</source>
        <translation>Kein Link auf eine Nachricht: %1</translation>
    </message>
    <message>
        <source>That message is on another server (%1)</source>
        <translation>Diese Nachricht liegt auf einem anderen Server (%1)</translation>
    </message>
    <message>
        <source>That message is in a room you are not in</source>
        <translation>Diese Nachricht ist in einem Raum, in dem du nicht bist</translation>
    </message>
    <message>
        <source>The room you were in was deleted.</source>
        <translation>Der Raum, in dem du warst, wurde gelöscht.</translation>
    </message>
</context>
<context>
    <name>confab::client::Composer</name>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Message composer</source>
        <translation>Nachricht schreiben</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line, Up edits your last message</source>
        <translation>Eingabe sendet, Umschalt+Eingabe beginnt eine neue Zeile, Pfeil hoch bearbeitet deine letzte Nachricht</translation>
    </message>
    <message>
        <source>Write a message…</source>
        <translation>Nachricht schreiben…</translation>
    </message>
    <message>
        <source>Enter sends · Shift+Enter new line · Up edits your last message</source>
        <translation>Eingabe sendet · Umschalt+Eingabe neue Zeile · Pfeil hoch bearbeitet deine letzte Nachricht</translation>
    </message>
    <message>
        <source>Insert emoji</source>
        <translation>Emoji einfügen</translation>
    </message>
    <message>
        <source>Send message</source>
        <translation>Nachricht senden</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>Senden (Eingabe)</translation>
    </message>
    <message>
        <source>Emoji %1</source>
        <translation>Emoji %1</translation>
    </message>
    <message>
        <source>People to mention</source>
        <translation>Personen zum Erwähnen</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>Dateien anhängen</translation>
    </message>
    <message>
        <source>Attach files (or drop them here, or paste an image)</source>
        <translation>Dateien anhängen (oder hierher ziehen, oder ein Bild einfügen)</translation>
    </message>
</context>
<context>
    <name>confab::client::CreateRoomDialog</name>
    <message>
        <source>&amp;Private: only people invited can see and join it</source>
        <translation>&amp;Privat: nur Eingeladene können ihn sehen und beitreten</translation>
    </message>
    <message>
        <source>New room</source>
        <translation>Neuer Raum</translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation>&amp;Name</translation>
    </message>
    <message>
        <source>&amp;Topic</source>
        <translation>&amp;Thema</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Erstellen</translation>
    </message>
</context>
<context>
    <name>confab::client::DiagnosticsDialog</name>
    <message>
        <source>Connection diagnostics</source>
        <translation>Verbindungsdiagnose</translation>
    </message>
    <message>
        <source>Line: WebSocket ping round trips. Dots: HTTP requests.</source>
        <translation>Linie: WebSocket-Ping-Umlaufzeiten. Punkte: HTTP-Anfragen.</translation>
    </message>
    <message>
        <source>Connection: %1 (transport: %2)</source>
        <translation>Verbindung: %1 (Transport: %2)</translation>
    </message>
    <message>
        <source>Last round trip: %1</source>
        <translation>Letzte Umlaufzeit: %1</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation>noch keine</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Reconnects: %1</source>
        <translation>Neuverbindungen: %1</translation>
    </message>
    <message>
        <source>Retries: %1</source>
        <translation>Wiederholungen: %1</translation>
    </message>
    <message>
        <source>HTTP requests: %1, failed: %2</source>
        <translation>HTTP-Anfragen: %1, fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>Circuit breaker: %1, state changes: %2</source>
        <translation>Schutzschalter: %1, Zustandswechsel: %2</translation>
    </message>
    <message>
        <source>Local cache: %1 hits, %2 misses%3</source>
        <translation>Lokaler Cache: %1 Treffer, %2 Fehlgriffe%3</translation>
    </message>
    <message>
        <source> (%1% hits)</source>
        <translation> (%1 % Treffer)</translation>
    </message>
    <message numerus="yes">
        <source>Messages waiting in the outbox: %n</source>
        <translation>
            <numerusform>Nachrichten im Postausgang: %n</numerusform>
            <numerusform>Nachrichten im Postausgang: %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>confab::client::DirectMessageDialog</name>
    <message>
        <source>Direct message</source>
        <translation>Direktnachricht</translation>
    </message>
    <message>
        <source>Search people by name</source>
        <translation>Personen nach Namen suchen</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
    <message>
        <source>Nobody found.</source>
        <translation>Niemand gefunden.</translation>
    </message>
</context>
<context>
    <name>confab::client::FileActions</name>
    <message>
        <source>Share files</source>
        <translation>Dateien teilen</translation>
    </message>
    <message>
        <source>%1 cannot be shared: %2</source>
        <translation>%1 kann nicht geteilt werden: %2</translation>
    </message>
    <message>
        <source>Pasted image %1.png</source>
        <translation>Eingefügtes Bild %1.png</translation>
    </message>
    <message>
        <source>The pasted image could not be saved to %1</source>
        <translation>Das eingefügte Bild konnte nicht in %1 gespeichert werden</translation>
    </message>
    <message>
        <source>%1 could not be downloaded: %2</source>
        <translation>%1 konnte nicht heruntergeladen werden: %2</translation>
    </message>
    <message>
        <source>Save file</source>
        <translation>Datei speichern</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>%1 wird geladen…</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>Speichern unter…</translation>
    </message>
</context>
<context>
    <name>confab::client::JoinRoomDialog</name>
    <message>
        <source>Join a room</source>
        <translation>Einem Raum beitreten</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>Filter</translation>
    </message>
    <message>
        <source>You are in every public room already.</source>
        <translation>Du bist schon in jedem öffentlichen Raum.</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>Beitreten</translation>
    </message>
    <message numerus="yes">
        <source>Members: %n</source>
        <translation>
            <numerusform>Mitglieder: %n</numerusform>
            <numerusform>Mitglieder: %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>confab::client::LoginDialog</name>
    <message>
        <source>&amp;Log in</source>
        <translation>&amp;Anmelden</translation>
    </message>
    <message>
        <source>&amp;Create account</source>
        <translation>Konto &amp;erstellen</translation>
    </message>
    <message>
        <source>Connect to Confab</source>
        <translation>Mit Confab verbinden</translation>
    </message>
    <message>
        <source>address:port, e.g. 192.168.1.20:7080</source>
        <translation>Adresse:Port, z. B. 192.168.1.20:7080</translation>
    </message>
    <message>
        <source>Servers</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>&amp;Servers on your network and used before</source>
        <translation>&amp;Server in deinem Netz und zuvor benutzte</translation>
    </message>
    <message>
        <source>Ser&amp;ver</source>
        <translation>Ser&amp;ver</translation>
    </message>
    <message>
        <source>&amp;Username</source>
        <translation>&amp;Benutzername</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>&amp;Passwort</translation>
    </message>
    <message>
        <source>&amp;Invite code</source>
        <translation>&amp;Einladungscode</translation>
    </message>
    <message>
        <source>%1 — %2 (on your network)</source>
        <translation>%1 — %2 (in deinem Netz)</translation>
    </message>
    <message>
        <source>Confab %1</source>
        <translation>Confab %1</translation>
    </message>
    <message>
        <source>%1 (used before)</source>
        <translation>%1 (zuvor benutzt)</translation>
    </message>
    <message>
        <source>Type the server&apos;s address, e.g. 192.168.1.20:7080</source>
        <translation>Gib die Adresse des Servers ein, z. B. 192.168.1.20:7080</translation>
    </message>
    <message>
        <source>The server&apos;s certificate was refused.</source>
        <translation>Das Zertifikat des Servers wurde abgelehnt.</translation>
    </message>
    <message>
        <source>The server&apos;s certificate CHANGED: not connected.</source>
        <translation>Das Zertifikat des Servers hat sich GEÄNDERT: nicht verbunden.</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted yet: not connected.</source>
        <translation>Dem Zertifikat des Servers wird noch nicht vertraut: nicht verbunden.</translation>
    </message>
    <message>
        <source>Not encrypted: passwords and messages cross the network in clear text.</source>
        <translation>Nicht verschlüsselt: Passwörter und Nachrichten gehen im Klartext über das Netz.</translation>
    </message>
    <message>
        <source>Encrypted (TLS). You will be asked to check the server&apos;s certificate the first time.</source>
        <translation>Verschlüsselt (TLS). Beim ersten Mal wirst du gebeten, das Zertifikat des Servers zu prüfen.</translation>
    </message>
    <message>
        <source>Encrypted (TLS) to the certificate you trusted: SHA-256 %1…%2</source>
        <translation>Verschlüsselt (TLS) zum Zertifikat, dem du vertraust: SHA-256 %1…%2</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Serveradresse</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Invite code</source>
        <translation>Einladungscode</translation>
    </message>
    <message>
        <source>To create an account, if the server asks for one</source>
        <translation>Zum Erstellen eines Kontos, falls der Server einen verlangt</translation>
    </message>
    <message>
        <source>only to create an account, if asked</source>
        <translation>nur zum Erstellen eines Kontos, falls verlangt</translation>
    </message>
    <message>
        <source>Your session ended: it expired, or it was signed out on another device or by an admin. Log in again; unsent messages are kept.</source>
        <translation>Deine Sitzung ist beendet: Sie ist abgelaufen oder wurde auf einem anderen Gerät oder von einem Admin abgemeldet. Melde dich erneut an; nicht gesendete Nachrichten bleiben erhalten.</translation>
    </message>
    <message numerus="yes">
        <source>%1 — %2 (%n nodes, on your network)</source>
        <translation>
            <numerusform>%1 — %2 (%n Knoten, in deinem Netz)</numerusform>
            <numerusform>%1 — %2 (%n Knoten, in deinem Netz)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>confab::client::MemberList</name>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>People in this room and whether they are online</source>
        <translation>Personen in diesem Raum und ob sie online sind</translation>
    </message>
    <message>
        <source>online</source>
        <translation>online</translation>
    </message>
    <message>
        <source>away</source>
        <translation>abwesend</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>offline</translation>
    </message>
    <message>
        <source>owner</source>
        <translation>Eigentümer</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>Admin</translation>
    </message>
    <message>
        <source>member</source>
        <translation>Mitglied</translation>
    </message>
</context>
<context>
    <name>confab::client::MessageDelegate</name>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>Gestern</translation>
    </message>
    <message>
        <source>dddd, d MMMM</source>
        <extracomment>A day separator&apos;s date within this year, e.g. &quot;Monday, 30 November&quot;</extracomment>
        <translation>dddd, d. MMMM</translation>
    </message>
    <message>
        <source>d MMMM yyyy</source>
        <translation>d. MMMM yyyy</translation>
    </message>
    <message>
        <source>user %1</source>
        <extracomment>Shown until a sender&apos;s name is known</extracomment>
        <translation>Benutzer %1</translation>
    </message>
    <message>
        <source>This message was deleted.</source>
        <translation>Diese Nachricht wurde gelöscht.</translation>
    </message>
    <message>
        <source>waiting to send</source>
        <translation>wartet auf das Senden</translation>
    </message>
    <message>
        <source>sending…</source>
        <translation>wird gesendet…</translation>
    </message>
    <message>
        <source>not sent: %1 (right-click: retry or discard)</source>
        <translation>nicht gesendet: %1 (Rechtsklick: erneut senden oder verwerfen)</translation>
    </message>
    <message>
        <source>(edited)</source>
        <translation>(bearbeitet)</translation>
    </message>
    <message>
        <source>%1, %2: %3</source>
        <extracomment>What a screen reader says for a message: sender, time, text</extracomment>
        <translation>%1, %2: %3</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Bearbeiten</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Erneut senden</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Verwerfen</translation>
    </message>
    <message>
        <source>Message text</source>
        <translation>Nachrichtentext</translation>
    </message>
    <message>
        <source>New messages</source>
        <translation>Neue Nachrichten</translation>
    </message>
    <message>
        <source>↳ a message</source>
        <translation>↳ eine Nachricht</translation>
    </message>
    <message>
        <source>↳ %1: message deleted</source>
        <extracomment>The quote of a reply whose message was deleted</extracomment>
        <translation>↳ %1: Nachricht gelöscht</translation>
    </message>
    <message>
        <source>↳ %1: %2</source>
        <translation>↳ %1: %2</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Antworten</translation>
    </message>
    <message>
        <source>React</source>
        <translation>Reagieren</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Du</translation>
    </message>
    <message>
        <source>%1 and %2</source>
        <translation>%1 und %2</translation>
    </message>
    <message>
        <source>%1 reacted with %2</source>
        <translation>Reagiert mit %2: %1</translation>
    </message>
    <message>
        <source>%1 and %2 more reacted with %3</source>
        <translation>Reagiert mit %3: %1 und %2 weitere</translation>
    </message>
</context>
<context>
    <name>confab::client::ProfileDialog</name>
    <message>
        <source>Profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <source>What are you up to?</source>
        <translation>Was machst du gerade?</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>&amp;Display name</source>
        <translation>&amp;Anzeigename</translation>
    </message>
    <message>
        <source>&amp;Status</source>
        <translation>&amp;Status</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
</context>
<context>
    <name>confab::client::ReactionPicker</name>
    <message>
        <source>Reactions</source>
        <translation>Reaktionen</translation>
    </message>
    <message>
        <source>React with %1</source>
        <translation>Mit %1 reagieren</translation>
    </message>
</context>
<context>
    <name>confab::client::RoomList</name>
    <message>
        <source>Filter rooms (Ctrl+K)</source>
        <translation>Räume filtern (Strg+K)</translation>
    </message>
    <message>
        <source>Filter rooms</source>
        <translation>Räume filtern</translation>
    </message>
    <message>
        <source>Shows only the rooms whose name contains the text</source>
        <translation>Zeigt nur die Räume, deren Name den Text enthält</translation>
    </message>
    <message>
        <source>Rooms</source>
        <translation>Räume</translation>
    </message>
    <message>
        <source>Your rooms and direct messages, then public rooms you can join</source>
        <translation>Deine Räume und Direktnachrichten, dann öffentliche Räume zum Beitreten</translation>
    </message>
    <message>
        <source>Direct messages</source>
        <translation>Direktnachrichten</translation>
    </message>
    <message>
        <source>Browse</source>
        <translation>Entdecken</translation>
    </message>
    <message>
        <source>Not joined: select to join</source>
        <translation>Nicht beigetreten: zum Beitreten auswählen</translation>
    </message>
    <message>
        <source>Muted: only mentions notify</source>
        <translation>Stumm: nur Erwähnungen benachrichtigen</translation>
    </message>
    <message>
        <source>You were mentioned</source>
        <translation>Du wurdest erwähnt</translation>
    </message>
</context>
<context>
    <name>confab::client::RoomSettingsDialog</name>
    <message>
        <source>Room settings</source>
        <translation>Raumeinstellungen</translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation>&amp;Name</translation>
    </message>
    <message>
        <source>&amp;Topic</source>
        <translation>&amp;Thema</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
</context>
<context>
    <name>confab::client::RoundTripPlot</name>
    <message>
        <source>Round-trip latency plot</source>
        <translation>Diagramm der Umlaufzeiten</translation>
    </message>
    <message>
        <source>No round trips measured yet</source>
        <translation>Noch keine Umlaufzeiten gemessen</translation>
    </message>
    <message>
        <source>%1 s ago</source>
        <translation>vor %1 s</translation>
    </message>
    <message>
        <source>now</source>
        <translation>jetzt</translation>
    </message>
</context>
<context>
    <name>confab::client::SearchPanel</name>
    <message>
        <source>Only in this room</source>
        <translation>Nur in diesem Raum</translation>
    </message>
    <message>
        <source>More results</source>
        <translation>Weitere Ergebnisse</translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation>Nachrichten suchen</translation>
    </message>
    <message>
        <source>Words, &quot;a phrase&quot;, or a prefix*</source>
        <translation>Wörter, &quot;eine Wortfolge&quot; oder ein Anfang*</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Suchergebnisse</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Suche läuft…</translation>
    </message>
    <message>
        <source>Search failed: %1</source>
        <translation>Suche fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Nothing found</source>
        <translation>Nichts gefunden</translation>
    </message>
    <message>
        <source>%1 — offline: searched the messages on this device only</source>
        <translation>%1 — offline: nur die Nachrichten auf diesem Gerät durchsucht</translation>
    </message>
    <message>
        <source>%1 — searched on the server</source>
        <translation>%1 — auf dem Server gesucht</translation>
    </message>
    <message>
        <source>Results: %1</source>
        <translation>Ergebnisse: %1</translation>
    </message>
</context>
<context>
    <name>confab::client::SettingsDialog</name>
    <message>
        <source>Play a &amp;sound</source>
        <translation>&amp;Ton abspielen</translation>
    </message>
    <message>
        <source>&amp;Closing the window keeps Confab running in the tray</source>
        <translation>&amp;Schließen des Fensters lässt Confab im Infobereich weiterlaufen</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Benachrichtigungen</translation>
    </message>
    <message>
        <source>All messages</source>
        <translation>Alle Nachrichten</translation>
    </message>
    <message>
        <source>Mentions only</source>
        <translation>Nur Erwähnungen</translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation>Nichts</translation>
    </message>
    <message>
        <source>Notify me about</source>
        <translation>Benachrichtige mich über</translation>
    </message>
    <message>
        <source>Which new messages notify you while Confab is not in front. Muted rooms notify only mentions.</source>
        <translation>Welche neuen Nachrichten dich benachrichtigen, während Confab nicht im Vordergrund ist. Stumme Räume benachrichtigen nur bei Erwähnungen.</translation>
    </message>
    <message>
        <source>&amp;Notify me about:</source>
        <translation>&amp;Benachrichtige mich über:</translation>
    </message>
    <message>
        <source>A sound with each notification</source>
        <translation>Ein Ton bei jeder Benachrichtigung</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Darstellung</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>Wie das System</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Hell</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Dunkel</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Farbschema</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>&amp;Farbschema:</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Systemvorgabe</translation>
    </message>
    <message>
        <source> pt</source>
        <translation> pt</translation>
    </message>
    <message>
        <source>Font size</source>
        <translation>Schriftgröße</translation>
    </message>
    <message>
        <source>Text size in points; 0 follows the system</source>
        <translation>Schriftgröße in Punkt; 0 folgt dem System</translation>
    </message>
    <message>
        <source>&amp;Font size:</source>
        <translation>&amp;Schriftgröße:</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>Takes effect the next time Confab starts</source>
        <translation>Wirkt beim nächsten Start von Confab</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Sprache:</translation>
    </message>
    <message>
        <source>A new language takes effect the next time Confab starts.</source>
        <translation>Eine neue Sprache wirkt beim nächsten Start von Confab.</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>Fenster</translation>
    </message>
    <message>
        <source>Quit from the tray icon or Confab → Quit</source>
        <translation>Beenden über das Symbol im Infobereich oder Confab → Beenden</translation>
    </message>
    <message>
        <source>This desktop has no system tray</source>
        <translation>Diese Arbeitsumgebung hat keinen Infobereich</translation>
    </message>
</context>
<context>
    <name>confab::client::TimelineView</name>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>The conversation, oldest at the top. Double-click a message to select part of its text.</source>
        <translation>Das Gespräch, älteste Nachricht oben. Doppelklick auf eine Nachricht, um einen Teil ihres Textes auszuwählen.</translation>
    </message>
    <message>
        <source>↓ Jump to latest</source>
        <translation>↓ Zur neuesten</translation>
    </message>
    <message>
        <source>Jump to latest message</source>
        <translation>Zur neuesten Nachricht springen</translation>
    </message>
    <message>
        <source>Show the newest messages (Ctrl+End)</source>
        <translation>Die neuesten Nachrichten zeigen (Strg+Ende)</translation>
    </message>
    <message>
        <source>[%1] %2: %3</source>
        <extracomment>Copied messages, one per line: [time] sender: text</extracomment>
        <translation>[%1] %2: %3</translation>
    </message>
    <message>
        <source>No messages yet. Say hello!</source>
        <translation>Noch keine Nachrichten. Sag hallo!</translation>
    </message>
</context>
<context>
    <name>confab::client::TrustDialog</name>
    <message>
        <source>Certificate changed</source>
        <translation>Zertifikat geändert</translation>
    </message>
    <message>
        <source>Trust this server?</source>
        <translation>Diesem Server vertrauen?</translation>
    </message>
    <message>
        <source>WARNING: the certificate of %1 has CHANGED since you last connected.</source>
        <translation>WARNUNG: Das Zertifikat von %1 hat sich seit deiner letzten Verbindung GEÄNDERT.</translation>
    </message>
    <message>
        <source>You are connecting to %1 for the first time.</source>
        <translation>Du verbindest dich zum ersten Mal mit %1.</translation>
    </message>
    <message>
        <source>Nothing has been sent to it. This can mean someone on the network is intercepting the connection, or that the server was reinstalled or given a new certificate. Ask the server&apos;s admin which fingerprint is right before you go on.</source>
        <translation>Es wurde nichts an ihn gesendet. Das kann bedeuten, dass jemand im Netz die Verbindung abfängt, oder dass der Server neu installiert wurde oder ein neues Zertifikat bekam. Frag die Administration des Servers, welcher Fingerabdruck stimmt, bevor du weitermachst.</translation>
    </message>
    <message>
        <source>Its certificate is not signed by an authority this computer trusts. Check that the fingerprint below is the one the server&apos;s admin sees (confab-server --print-fingerprint). Confab remembers your answer and warns you if it ever changes. Nothing has been sent yet.</source>
        <translation>Sein Zertifikat ist nicht von einer Stelle signiert, der dieser Computer vertraut. Prüfe, ob der Fingerabdruck unten der ist, den die Administration des Servers sieht (confab-server --print-fingerprint). Confab merkt sich deine Antwort und warnt dich, falls er sich je ändert. Es wurde noch nichts gesendet.</translation>
    </message>
    <message>
        <source>New SHA-256 fingerprint:</source>
        <translation>Neuer SHA-256-Fingerabdruck:</translation>
    </message>
    <message>
        <source>SHA-256 fingerprint:</source>
        <translation>SHA-256-Fingerabdruck:</translation>
    </message>
    <message>
        <source>Trusted before:</source>
        <translation>Bisher vertraut:</translation>
    </message>
    <message>
        <source>The server&apos;s announcement on the LAN carried the same fingerprint.</source>
        <translation>Die Ankündigung des Servers im lokalen Netz trug denselben Fingerabdruck.</translation>
    </message>
    <message>
        <source>The server&apos;s announcement on the LAN carried a DIFFERENT fingerprint:
%1</source>
        <translation>Die Ankündigung des Servers im lokalen Netz trug einen ANDEREN Fingerabdruck:
%1</translation>
    </message>
    <message>
        <source>Why it needs your decision: %1</source>
        <translation>Warum du entscheiden musst: %1</translation>
    </message>
    <message>
        <source>Trust the new certificate</source>
        <translation>Dem neuen Zertifikat vertrauen</translation>
    </message>
    <message>
        <source>Trust and connect</source>
        <translation>Vertrauen und verbinden</translation>
    </message>
    <message>
        <source>I have checked the new fingerprint with the server&apos;s admin</source>
        <translation>Ich habe den neuen Fingerabdruck mit der Administration des Servers geprüft</translation>
    </message>
</context>
<context>
    <name>confab::client::attachment</name>
    <message>
        <source>View</source>
        <translation>Ansehen</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>Speichern unter…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Loading preview…</source>
        <translation>Vorschau wird geladen…</translation>
    </message>
    <message>
        <source>%1% of %2</source>
        <translation>%1 % von %2</translation>
    </message>
    <message>
        <source>%1 · waiting to upload</source>
        <translation>%1 · wartet auf das Hochladen</translation>
    </message>
</context>
</TS>
