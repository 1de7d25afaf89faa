<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>QObject</name>
    <message>
        <source>—</source>
        <translation type="vanished">—</translation>
    </message>
</context>
<context>
    <name>confab::client::AccountDialog</name>
    <message>
        <source>&amp;Sign out the selected device</source>
        <translation type="vanished">Ausgewähltes Gerät &amp;abmelden</translation>
    </message>
    <message>
        <source>Sign out my &amp;other devices</source>
        <translation type="vanished">Meine &amp;anderen Geräte abmelden</translation>
    </message>
    <message>
        <source>C&amp;hange password</source>
        <translation type="vanished">Passwort ä&amp;ndern</translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="vanished">Konto</translation>
    </message>
    <message>
        <source>Devices logged in</source>
        <translation type="vanished">Angemeldete Geräte</translation>
    </message>
    <message>
        <source>Device</source>
        <translation type="vanished">Gerät</translation>
    </message>
    <message>
        <source>Logged in</source>
        <translation type="vanished">Angemeldet</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation type="vanished">Zuletzt gesehen</translation>
    </message>
    <message>
        <source>From</source>
        <translation type="vanished">Von</translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="vanished">Passwort</translation>
    </message>
    <message>
        <source>C&amp;urrent password</source>
        <translation type="vanished">&amp;Aktuelles Passwort</translation>
    </message>
    <message>
        <source>&amp;New password</source>
        <translation type="vanished">&amp;Neues Passwort</translation>
    </message>
    <message>
        <source>&amp;Repeat it</source>
        <translation type="vanished">&amp;Wiederholen</translation>
    </message>
    <message>
        <source>(unnamed)</source>
        <translation type="vanished">(ohne Namen)</translation>
    </message>
    <message>
        <source>%1 (this one)</source>
        <translation type="vanished">%1 (dieses)</translation>
    </message>
    <message>
        <source>Signed out %1.</source>
        <translation type="vanished">%1 abgemeldet.</translation>
    </message>
    <message>
        <source>that device</source>
        <translation type="vanished">dieses Gerät</translation>
    </message>
    <message>
        <source>The new password and its repetition differ.</source>
        <translation type="vanished">Das neue Passwort und seine Wiederholung stimmen nicht überein.</translation>
    </message>
    <message numerus="yes">
        <source>Password changed; %n other device(s) signed out.</source>
        <translation type="vanished">
            <numerusform>Passwort geändert; %n anderes Gerät abgemeldet.</numerusform>
            <numerusform>Passwort geändert; %n andere Geräte abgemeldet.</numerusform>
        </translation>
    </message>
    <message>
        <source>Password changed.</source>
        <translation type="vanished">Passwort geändert.</translation>
    </message>
</context>
<context>
    <name>confab::client::ChatWindow</name>
    <message>
        <source>Retry now</source>
        <translation type="vanished">Jetzt erneut versuchen</translation>
    </message>
    <message>
        <source>Filter rooms (Ctrl+K)</source>
        <translation type="vanished">Räume filtern (Strg+K)</translation>
    </message>
    <message>
        <source>Filter rooms</source>
        <translation type="vanished">Räume filtern</translation>
    </message>
    <message>
        <source>Shows only the rooms whose name contains the text</source>
        <translation type="vanished">Zeigt nur die Räume, deren Name den Text enthält</translation>
    </message>
    <message>
        <source>Rooms</source>
        <translation type="vanished">Räume</translation>
    </message>
    <message>
        <source>Your rooms and direct messages, then public rooms you can join</source>
        <translation type="vanished">Deine Räume und Direktnachrichten, dann öffentliche Räume zum Beitreten</translation>
    </message>
    <message>
        <source>Room name</source>
        <translation type="vanished">Raumname</translation>
    </message>
    <message>
        <source>Room topic</source>
        <translation type="vanished">Thema des Raums</translation>
    </message>
    <message>
        <source>Who is typing</source>
        <translation type="vanished">Wer gerade schreibt</translation>
    </message>
    <message>
        <source>Members</source>
        <translation type="vanished">Mitglieder</translation>
    </message>
    <message>
        <source>People in this room and whether they are online</source>
        <translation type="vanished">Personen in diesem Raum und ob sie online sind</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation type="vanished">Verbindung</translation>
    </message>
    <message>
        <source>Encryption</source>
        <translation type="vanished">Verschlüsselung</translation>
    </message>
    <message>
        <source>Retry connecting now</source>
        <translation type="vanished">Jetzt erneut verbinden</translation>
    </message>
    <message>
        <source>Not encrypted</source>
        <translation type="vanished">Nicht verschlüsselt</translation>
    </message>
    <message>
        <source>TLS is off on this server: traffic is in clear text.</source>
        <translation type="vanished">TLS ist auf diesem Server aus: alles geht im Klartext über das Netz.</translation>
    </message>
    <message>
        <source>Encrypted (TLS)</source>
        <translation type="vanished">Verschlüsselt (TLS)</translation>
    </message>
    <message>
        <source>Encrypted · SHA-256 %1…</source>
        <translation type="vanished">Verschlüsselt · SHA-256 %1…</translation>
    </message>
    <message>
        <source>Encrypted; the certificate is signed by a trusted authority.</source>
        <translation type="vanished">Verschlüsselt; das Zertifikat ist von einer vertrauenswürdigen Stelle signiert.</translation>
    </message>
    <message>
        <source>Encrypted with TLS to the certificate SHA-256 %1</source>
        <translation type="vanished">Mit TLS verschlüsselt zum Zertifikat SHA-256 %1</translation>
    </message>
    <message>
        <source>Show Confab</source>
        <translation type="vanished">Confab zeigen</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="vanished">Beenden</translation>
    </message>
    <message>
        <source>&amp;Confab</source>
        <translation type="vanished">&amp;Confab</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="vanished">&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Profile…</source>
        <translation type="vanished">&amp;Profil…</translation>
    </message>
    <message>
        <source>&amp;Account (devices, password)…</source>
        <translation type="vanished">&amp;Konto (Geräte, Passwort)…</translation>
    </message>
    <message>
        <source>Log &amp;out</source>
        <translation type="vanished">Ab&amp;melden</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="vanished">&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Room</source>
        <translation type="vanished">&amp;Raum</translation>
    </message>
    <message>
        <source>&amp;New room…</source>
        <translation type="vanished">&amp;Neuer Raum…</translation>
    </message>
    <message>
        <source>&amp;Join room…</source>
        <translation type="vanished">Raum &amp;beitreten…</translation>
    </message>
    <message>
        <source>&amp;Direct message…</source>
        <translation type="vanished">&amp;Direktnachricht…</translation>
    </message>
    <message>
        <source>Room &amp;settings…</source>
        <translation type="vanished">Raum&amp;einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Mute room</source>
        <translation type="vanished">Raum &amp;stummschalten</translation>
    </message>
    <message>
        <source>&amp;Leave room</source>
        <translation type="vanished">Raum &amp;verlassen</translation>
    </message>
    <message>
        <source>Leave room</source>
        <translation type="vanished">Raum verlassen</translation>
    </message>
    <message>
        <source>Leave “%1”?</source>
        <translation type="vanished">„%1“ verlassen?</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation type="vanished">&amp;Gehe zu</translation>
    </message>
    <message>
        <source>&amp;Find room</source>
        <translation type="vanished">Raum &amp;finden</translation>
    </message>
    <message>
        <source>&amp;Previous room</source>
        <translation type="vanished">&amp;Vorheriger Raum</translation>
    </message>
    <message>
        <source>&amp;Next room</source>
        <translation type="vanished">&amp;Nächster Raum</translation>
    </message>
    <message>
        <source>&amp;Messages</source>
        <translation type="vanished">&amp;Nachrichten</translation>
    </message>
    <message>
        <source>&amp;Composer</source>
        <translation type="vanished">&amp;Eingabefeld</translation>
    </message>
    <message>
        <source>Show &amp;members</source>
        <translation type="vanished">&amp;Mitglieder zeigen</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="vanished">&amp;Hilfe</translation>
    </message>
    <message>
        <source>Connection &amp;diagnostics</source>
        <translation type="vanished">Verbindungs&amp;diagnose</translation>
    </message>
    <message>
        <source>&amp;Retry now</source>
        <translation type="vanished">Jetzt &amp;erneut versuchen</translation>
    </message>
    <message>
        <source>&amp;About Confab</source>
        <translation type="vanished">&amp;Über Confab</translation>
    </message>
    <message>
        <source>About Confab</source>
        <translation type="vanished">Über Confab</translation>
    </message>
    <message>
        <source>Confab %1: self-hosted chat for your LAN.</source>
        <translation type="vanished">Confab %1: selbst betriebener Chat für dein lokales Netz.</translation>
    </message>
    <message>
        <source>Profile saved</source>
        <translation type="vanished">Profil gespeichert</translation>
    </message>
    <message>
        <source>Direct messages</source>
        <translation type="vanished">Direktnachrichten</translation>
    </message>
    <message>
        <source>Browse</source>
        <translation type="vanished">Entdecken</translation>
    </message>
    <message>
        <source>Not joined: select to join</source>
        <translation type="vanished">Nicht beigetreten: zum Beitreten auswählen</translation>
    </message>
    <message>
        <source>Muted: only mentions notify</source>
        <translation type="vanished">Stumm: nur Erwähnungen benachrichtigen</translation>
    </message>
    <message>
        <source>You were mentioned</source>
        <translation type="vanished">Du wurdest erwähnt</translation>
    </message>
    <message>
        <source>No room selected</source>
        <translation type="vanished">Kein Raum ausgewählt</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation type="vanished">%1 schreibt…</translation>
    </message>
    <message>
        <source>%1 and %2 are typing…</source>
        <translation type="vanished">%1 und %2 schreiben…</translation>
    </message>
    <message>
        <source>Several people are typing…</source>
        <translation type="vanished">Mehrere Personen schreiben…</translation>
    </message>
    <message>
        <source>%1 mentioned you in %2</source>
        <translation type="vanished">%1 hat dich in %2 erwähnt</translation>
    </message>
    <message numerus="yes">
        <source>Confab: %n unread</source>
        <translation type="vanished">
            <numerusform>Confab: %n ungelesen</numerusform>
            <numerusform>Confab: %n ungelesen</numerusform>
        </translation>
    </message>
    <message>
        <source>Not sent: %1 (%2 of at most %3 characters). Nothing was lost: the text is still here.</source>
        <translation type="vanished">Nicht gesendet: %1 (%2 von höchstens %3 Zeichen). Nichts ging verloren: der Text ist noch da.</translation>
    </message>
    <message>
        <source>Edit not saved: %1</source>
        <translation type="vanished">Änderung nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>Not deleted: %1</source>
        <translation type="vanished">Nicht gelöscht: %1</translation>
    </message>
    <message>
        <source>&amp;Copy text</source>
        <translation type="vanished">Text &amp;kopieren</translation>
    </message>
    <message>
        <source>&amp;Retry</source>
        <translation type="vanished">&amp;Erneut senden</translation>
    </message>
    <message>
        <source>&amp;Discard</source>
        <translation type="vanished">&amp;Verwerfen</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation type="vanished">&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>De&amp;lete</source>
        <translation type="vanished">&amp;Löschen</translation>
    </message>
    <message>
        <source>Editing your message: Enter saves, Escape cancels</source>
        <translation type="vanished">Du bearbeitest deine Nachricht: Eingabe speichert, Esc bricht ab</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation type="vanished">Kopiert</translation>
    </message>
    <message>
        <source>Delete message</source>
        <translation type="vanished">Nachricht löschen</translation>
    </message>
    <message>
        <source>Delete this message for everyone?</source>
        <translation type="vanished">Diese Nachricht für alle löschen?</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation type="vanished">Verbunden</translation>
    </message>
    <message>
        <source>Connected; the server answers in %1 ms</source>
        <translation type="vanished">Verbunden; der Server antwortet in %1 ms</translation>
    </message>
    <message>
        <source>Limited connection (events over HTTP)</source>
        <translation type="vanished">Eingeschränkte Verbindung (Ereignisse über HTTP)</translation>
    </message>
    <message>
        <source>Live updates come over a slower HTTP stream because the WebSocket connection does not get through. Messages still arrive.</source>
        <translation type="vanished">Neuigkeiten kommen über einen langsameren HTTP-Strom, weil die WebSocket-Verbindung nicht durchkommt. Nachrichten kommen trotzdem an.</translation>
    </message>
    <message>
        <source>Connecting in %1 s</source>
        <translation type="vanished">Verbinde in %1 s</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="vanished">Verbinde…</translation>
    </message>
    <message>
        <source>Messages you send are kept and delivered when the server is back.</source>
        <translation type="vanished">Nachrichten, die du sendest, werden aufbewahrt und zugestellt, sobald der Server wieder da ist.</translation>
    </message>
    <message>
        <source>Offline — messages will be sent when the server is back</source>
        <translation type="vanished">Offline — Nachrichten werden gesendet, sobald der Server wieder da ist</translation>
    </message>
    <message>
        <source>Messages you send are kept on this computer and delivered when the server is back.</source>
        <translation type="vanished">Nachrichten, die du sendest, bleiben auf diesem Computer und werden zugestellt, sobald der Server wieder da ist.</translation>
    </message>
    <message>
        <source>online</source>
        <translation type="vanished">online</translation>
    </message>
    <message>
        <source>away</source>
        <translation type="vanished">abwesend</translation>
    </message>
    <message>
        <source>offline</source>
        <translation type="vanished">offline</translation>
    </message>
    <message>
        <source>owner</source>
        <translation type="vanished">Eigentümer</translation>
    </message>
    <message>
        <source>admin</source>
        <translation type="vanished">Admin</translation>
    </message>
    <message>
        <source>member</source>
        <translation type="vanished">Mitglied</translation>
    </message>
</context>
<context>
    <name>confab::client::Composer</name>
    <message>
        <source>Send</source>
        <translation type="vanished">Senden</translation>
    </message>
    <message>
        <source>Message composer</source>
        <translation type="vanished">Nachricht schreiben</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line, Up edits your last message</source>
        <translation type="vanished">Eingabe sendet, Umschalt+Eingabe beginnt eine neue Zeile, Pfeil hoch bearbeitet deine letzte Nachricht</translation>
    </message>
    <message>
        <source>Write a message…</source>
        <translation type="vanished">Nachricht schreiben…</translation>
    </message>
    <message>
        <source>Enter sends · Shift+Enter new line · Up edits your last message</source>
        <translation type="vanished">Eingabe sendet · Umschalt+Eingabe neue Zeile · Pfeil hoch bearbeitet deine letzte Nachricht</translation>
    </message>
    <message>
        <source>Insert emoji</source>
        <translation type="vanished">Emoji einfügen</translation>
    </message>
    <message>
        <source>Send message</source>
        <translation type="vanished">Nachricht senden</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation type="vanished">Senden (Eingabe)</translation>
    </message>
    <message>
        <source>Emoji %1</source>
        <translation type="vanished">Emoji %1</translation>
    </message>
</context>
<context>
    <name>confab::client::CreateRoomDialog</name>
    <message>
        <source>&amp;Private: only people invited can see and join it</source>
        <translation type="vanished">&amp;Privat: nur Eingeladene können ihn sehen und beitreten</translation>
    </message>
    <message>
        <source>New room</source>
        <translation type="vanished">Neuer Raum</translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation type="vanished">&amp;Name</translation>
    </message>
    <message>
        <source>&amp;Topic</source>
        <translation type="vanished">&amp;Thema</translation>
    </message>
    <message>
        <source>Create</source>
        <translation type="vanished">Erstellen</translation>
    </message>
</context>
<context>
    <name>confab::client::DiagnosticsDialog</name>
    <message>
        <source>Connection diagnostics</source>
        <translation type="vanished">Verbindungsdiagnose</translation>
    </message>
    <message>
        <source>Line: WebSocket ping round trips. Dots: HTTP requests.</source>
        <translation type="vanished">Linie: WebSocket-Ping-Umlaufzeiten. Punkte: HTTP-Anfragen.</translation>
    </message>
    <message>
        <source>Connection: %1 (transport: %2)</source>
        <translation type="vanished">Verbindung: %1 (Transport: %2)</translation>
    </message>
    <message>
        <source>Last round trip: %1</source>
        <translation type="vanished">Letzte Umlaufzeit: %1</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation type="vanished">noch keine</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="vanished">%1 ms</translation>
    </message>
    <message>
        <source>Reconnects: %1</source>
        <translation type="vanished">Neuverbindungen: %1</translation>
    </message>
    <message>
        <source>Retries: %1</source>
        <translation type="vanished">Wiederholungen: %1</translation>
    </message>
    <message>
        <source>HTTP requests: %1, failed: %2</source>
        <translation type="vanished">HTTP-Anfragen: %1, fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>Circuit breaker: %1, state changes: %2</source>
        <translation type="vanished">Schutzschalter: %1, Zustandswechsel: %2</translation>
    </message>
    <message>
        <source>Local cache: %1 hits, %2 misses%3</source>
        <translation type="vanished">Lokaler Cache: %1 Treffer, %2 Fehlgriffe%3</translation>
    </message>
    <message>
        <source> (%1% hits)</source>
        <translation type="vanished"> (%1 % Treffer)</translation>
    </message>
    <message numerus="yes">
        <source>Outbox: %n message(s) waiting</source>
        <translation type="vanished">
            <numerusform>Postausgang: %n Nachricht wartet</numerusform>
            <numerusform>Postausgang: %n Nachrichten warten</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>confab::client::DirectMessageDialog</name>
    <message>
        <source>Direct message</source>
        <translation type="vanished">Direktnachricht</translation>
    </message>
    <message>
        <source>Search people by name</source>
        <translation type="vanished">Personen nach Namen suchen</translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="vanished">Nachricht</translation>
    </message>
    <message>
        <source>Nobody found.</source>
        <translation type="vanished">Niemand gefunden.</translation>
    </message>
</context>
<context>
    <name>confab::client::JoinRoomDialog</name>
    <message>
        <source>Join a room</source>
        <translation type="vanished">Einem Raum beitreten</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation type="vanished">Filter</translation>
    </message>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation type="vanished">
            <numerusform>%n Mitglied</numerusform>
            <numerusform>%n Mitglieder</numerusform>
        </translation>
    </message>
    <message>
        <source>You are in every public room already.</source>
        <translation type="vanished">Du bist schon in jedem öffentlichen Raum.</translation>
    </message>
    <message>
        <source>Join</source>
        <translation type="vanished">Beitreten</translation>
    </message>
</context>
<context>
    <name>confab::client::LoginDialog</name>
    <message>
        <source>&amp;Log in</source>
        <translation type="vanished">&amp;Anmelden</translation>
    </message>
    <message>
        <source>&amp;Create account</source>
        <translation type="vanished">Konto &amp;erstellen</translation>
    </message>
    <message>
        <source>Connect to Confab</source>
        <translation type="vanished">Mit Confab verbinden</translation>
    </message>
    <message>
        <source>address:port, e.g. 192.168.1.20:7080</source>
        <translation type="vanished">Adresse:Port, z. B. 192.168.1.20:7080</translation>
    </message>
    <message>
        <source>Servers</source>
        <translation type="vanished">Server</translation>
    </message>
    <message>
        <source>&amp;Servers on your network and used before</source>
        <translation type="vanished">&amp;Server in deinem Netz und zuvor benutzte</translation>
    </message>
    <message>
        <source>Ser&amp;ver</source>
        <translation type="vanished">Ser&amp;ver</translation>
    </message>
    <message>
        <source>&amp;Username</source>
        <translation type="vanished">&amp;Benutzername</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation type="vanished">&amp;Passwort</translation>
    </message>
    <message>
        <source>&amp;Invite code</source>
        <translation type="vanished">&amp;Einladungscode</translation>
    </message>
    <message>
        <source>to create an account, if the server asks for one</source>
        <translation type="vanished">zum Erstellen eines Kontos, falls der Server einen verlangt</translation>
    </message>
    <message>
        <source>%1 — %2 (on your network)</source>
        <translation type="vanished">%1 — %2 (in deinem Netz)</translation>
    </message>
    <message>
        <source>Confab %1</source>
        <translation type="vanished">Confab %1</translation>
    </message>
    <message>
        <source>%1 (used before)</source>
        <translation type="vanished">%1 (zuvor benutzt)</translation>
    </message>
    <message>
        <source>Type the server&apos;s address, e.g. 192.168.1.20:7080</source>
        <translation type="vanished">Gib die Adresse des Servers ein, z. B. 192.168.1.20:7080</translation>
    </message>
    <message>
        <source>The server&apos;s certificate was refused.</source>
        <translation type="vanished">Das Zertifikat des Servers wurde abgelehnt.</translation>
    </message>
    <message>
        <source>The server&apos;s certificate CHANGED: not connected.</source>
        <translation type="vanished">Das Zertifikat des Servers hat sich GEÄNDERT: nicht verbunden.</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted yet: not connected.</source>
        <translation type="vanished">Dem Zertifikat des Servers wird noch nicht vertraut: nicht verbunden.</translation>
    </message>
    <message>
        <source>Not encrypted: passwords and messages cross the network in clear text.</source>
        <translation type="vanished">Nicht verschlüsselt: Passwörter und Nachrichten gehen im Klartext über das Netz.</translation>
    </message>
    <message>
        <source>Encrypted (TLS). You will be asked to check the server&apos;s certificate the first time.</source>
        <translation type="vanished">Verschlüsselt (TLS). Beim ersten Mal wirst du gebeten, das Zertifikat des Servers zu prüfen.</translation>
    </message>
    <message>
        <source>Encrypted (TLS) to the certificate you trusted: SHA-256 %1…%2</source>
        <translation type="vanished">Verschlüsselt (TLS) zum Zertifikat, dem du vertraust: SHA-256 %1…%2</translation>
    </message>
</context>
<context>
    <name>confab::client::MessageDelegate</name>
    <message>
        <source>Today</source>
        <translation type="vanished">Heute</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation type="vanished">Gestern</translation>
    </message>
    <message>
        <source>dddd, d MMMM</source>
        <extracomment>A day separator&apos;s date within this year, e.g. &quot;Monday, 30 November&quot;</extracomment>
        <translation type="vanished">dddd, d. MMMM</translation>
    </message>
    <message>
        <source>d MMMM yyyy</source>
        <translation type="vanished">d. MMMM yyyy</translation>
    </message>
    <message>
        <source>user %1</source>
        <extracomment>Shown until a sender&apos;s name is known</extracomment>
        <translation type="vanished">Benutzer %1</translation>
    </message>
    <message>
        <source>This message was deleted.</source>
        <translation type="vanished">Diese Nachricht wurde gelöscht.</translation>
    </message>
    <message>
        <source>waiting to send</source>
        <translation type="vanished">wartet auf das Senden</translation>
    </message>
    <message>
        <source>sending…</source>
        <translation type="vanished">wird gesendet…</translation>
    </message>
    <message>
        <source>not sent: %1 (right-click: retry or discard)</source>
        <translation type="vanished">nicht gesendet: %1 (Rechtsklick: erneut senden oder verwerfen)</translation>
    </message>
    <message>
        <source>(edited)</source>
        <translation type="vanished">(bearbeitet)</translation>
    </message>
    <message>
        <source>%1, %2: %3</source>
        <extracomment>What a screen reader says for a message: sender, time, text</extracomment>
        <translation type="vanished">%1, %2: %3</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation type="vanished">Kopieren</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation type="vanished">Bearbeiten</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="vanished">Löschen</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation type="vanished">Erneut senden</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation type="vanished">Verwerfen</translation>
    </message>
    <message>
        <source>Message text</source>
        <translation type="vanished">Nachrichtentext</translation>
    </message>
</context>
<context>
    <name>confab::client::ProfileDialog</name>
    <message>
        <source>Profile</source>
        <translation type="vanished">Profil</translation>
    </message>
    <message>
        <source>What are you up to?</source>
        <translation type="vanished">Was machst du gerade?</translation>
    </message>
    <message>
        <source>Username</source>
        <translation type="vanished">Benutzername</translation>
    </message>
    <message>
        <source>&amp;Display name</source>
        <translation type="vanished">&amp;Anzeigename</translation>
    </message>
    <message>
        <source>&amp;Status</source>
        <translation type="vanished">&amp;Status</translation>
    </message>
    <message>
        <source>Save</source>
        <translation type="vanished">Speichern</translation>
    </message>
</context>
<context>
    <name>confab::client::RoomSettingsDialog</name>
    <message>
        <source>Room settings</source>
        <translation type="vanished">Raumeinstellungen</translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation type="vanished">&amp;Name</translation>
    </message>
    <message>
        <source>&amp;Topic</source>
        <translation type="vanished">&amp;Thema</translation>
    </message>
    <message>
        <source>Save</source>
        <translation type="vanished">Speichern</translation>
    </message>
</context>
<context>
    <name>confab::client::RoundTripPlot</name>
    <message>
        <source>Round-trip latency plot</source>
        <translation type="vanished">Diagramm der Umlaufzeiten</translation>
    </message>
    <message>
        <source>No round trips measured yet</source>
        <translation type="vanished">Noch keine Umlaufzeiten gemessen</translation>
    </message>
    <message>
        <source>%1 s ago</source>
        <translation type="vanished">vor %1 s</translation>
    </message>
    <message>
        <source>now</source>
        <translation type="vanished">jetzt</translation>
    </message>
</context>
<context>
    <name>confab::client::SettingsDialog</name>
    <message>
        <source>Play a &amp;sound</source>
        <translation type="vanished">&amp;Ton abspielen</translation>
    </message>
    <message>
        <source>&amp;Closing the window keeps Confab running in the tray</source>
        <translation type="vanished">&amp;Schließen des Fensters lässt Confab im Infobereich weiterlaufen</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="vanished">Einstellungen</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation type="vanished">Benachrichtigungen</translation>
    </message>
    <message>
        <source>All messages</source>
        <translation type="vanished">Alle Nachrichten</translation>
    </message>
    <message>
        <source>Mentions only</source>
        <translation type="vanished">Nur Erwähnungen</translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation type="vanished">Nichts</translation>
    </message>
    <message>
        <source>Notify me about</source>
        <translation type="vanished">Benachrichtige mich über</translation>
    </message>
    <message>
        <source>Which new messages notify you while Confab is not in front. Muted rooms notify only mentions.</source>
        <translation type="vanished">Welche neuen Nachrichten dich benachrichtigen, während Confab nicht im Vordergrund ist. Stumme Räume benachrichtigen nur bei Erwähnungen.</translation>
    </message>
    <message>
        <source>&amp;Notify me about:</source>
        <translation type="vanished">&amp;Benachrichtige mich über:</translation>
    </message>
    <message>
        <source>A sound with each notification</source>
        <translation type="vanished">Ein Ton bei jeder Benachrichtigung</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation type="vanished">Darstellung</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation type="vanished">Wie das System</translation>
    </message>
    <message>
        <source>Light</source>
        <translation type="vanished">Hell</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation type="vanished">Dunkel</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation type="vanished">Farbschema</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation type="vanished">&amp;Farbschema:</translation>
    </message>
    <message>
        <source>System default</source>
        <translation type="vanished">Systemvorgabe</translation>
    </message>
    <message>
        <source> pt</source>
        <translation type="vanished"> pt</translation>
    </message>
    <message>
        <source>Font size</source>
        <translation type="vanished">Schriftgröße</translation>
    </message>
    <message>
        <source>Text size in points; 0 follows the system</source>
        <translation type="vanished">Schriftgröße in Punkt; 0 folgt dem System</translation>
    </message>
    <message>
        <source>&amp;Font size:</source>
        <translation type="vanished">&amp;Schriftgröße:</translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="vanished">Sprache</translation>
    </message>
    <message>
        <source>Takes effect the next time Confab starts</source>
        <translation type="vanished">Wirkt beim nächsten Start von Confab</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="vanished">&amp;Sprache:</translation>
    </message>
    <message>
        <source>A new language takes effect the next time Confab starts.</source>
        <translation type="vanished">Eine neue Sprache wirkt beim nächsten Start von Confab.</translation>
    </message>
    <message>
        <source>Window</source>
        <translation type="vanished">Fenster</translation>
    </message>
    <message>
        <source>Quit from the tray icon or Confab → Quit</source>
        <translation type="vanished">Beenden über das Symbol im Infobereich oder Confab → Beenden</translation>
    </message>
    <message>
        <source>This desktop has no system tray</source>
        <translation type="vanished">Diese Arbeitsumgebung hat keinen Infobereich</translation>
    </message>
</context>
<context>
    <name>confab::client::TimelineView</name>
    <message>
        <source>Messages</source>
        <translation type="vanished">Nachrichten</translation>
    </message>
    <message>
        <source>The conversation, oldest at the top. Double-click a message to select part of its text.</source>
        <translation type="vanished">Das Gespräch, älteste Nachricht oben. Doppelklick auf eine Nachricht, um einen Teil ihres Textes auszuwählen.</translation>
    </message>
    <message>
        <source>↓ Jump to latest</source>
        <translation type="vanished">↓ Zur neuesten</translation>
    </message>
    <message>
        <source>Jump to latest message</source>
        <translation type="vanished">Zur neuesten Nachricht springen</translation>
    </message>
    <message>
        <source>Show the newest messages (Ctrl+End)</source>
        <translation type="vanished">Die neuesten Nachrichten zeigen (Strg+Ende)</translation>
    </message>
    <message>
        <source>[%1] %2: %3</source>
        <extracomment>Copied messages, one per line: [time] sender: text</extracomment>
        <translation type="vanished">[%1] %2: %3</translation>
    </message>
</context>
<context>
    <name>confab::client::TrustDialog</name>
    <message>
        <source>Certificate changed</source>
        <translation type="vanished">Zertifikat geändert</translation>
    </message>
    <message>
        <source>Trust this server?</source>
        <translation type="vanished">Diesem Server vertrauen?</translation>
    </message>
    <message>
        <source>WARNING: the certificate of %1 has CHANGED since you last connected.</source>
        <translation type="vanished">WARNUNG: Das Zertifikat von %1 hat sich seit deiner letzten Verbindung GEÄNDERT.</translation>
    </message>
    <message>
        <source>You are connecting to %1 for the first time.</source>
        <translation type="vanished">Du verbindest dich zum ersten Mal mit %1.</translation>
    </message>
    <message>
        <source>Nothing has been sent to it. This can mean someone on the network is intercepting the connection, or that the server was reinstalled or given a new certificate. Ask the server&apos;s admin which fingerprint is right before you go on.</source>
        <translation type="vanished">Es wurde nichts an ihn gesendet. Das kann bedeuten, dass jemand im Netz die Verbindung abfängt, oder dass der Server neu installiert wurde oder ein neues Zertifikat bekam. Frag die Administration des Servers, welcher Fingerabdruck stimmt, bevor du weitermachst.</translation>
    </message>
    <message>
        <source>Its certificate is not signed by an authority this computer trusts. Check that the fingerprint below is the one the server&apos;s admin sees (confab-server --print-fingerprint). Confab remembers your answer and warns you if it ever changes. Nothing has been sent yet.</source>
        <translation type="vanished">Sein Zertifikat ist nicht von einer Stelle signiert, der dieser Computer vertraut. Prüfe, ob der Fingerabdruck unten der ist, den die Administration des Servers sieht (confab-server --print-fingerprint). Confab merkt sich deine Antwort und warnt dich, falls er sich je ändert. Es wurde noch nichts gesendet.</translation>
    </message>
    <message>
        <source>New SHA-256 fingerprint:</source>
        <translation type="vanished">Neuer SHA-256-Fingerabdruck:</translation>
    </message>
    <message>
        <source>SHA-256 fingerprint:</source>
        <translation type="vanished">SHA-256-Fingerabdruck:</translation>
    </message>
    <message>
        <source>Trusted before:</source>
        <translation type="vanished">Bisher vertraut:</translation>
    </message>
    <message>
        <source>The server&apos;s announcement on the LAN carried the same fingerprint.</source>
        <translation type="vanished">Die Ankündigung des Servers im lokalen Netz trug denselben Fingerabdruck.</translation>
    </message>
    <message>
        <source>The server&apos;s announcement on the LAN carried a DIFFERENT fingerprint:
%1</source>
        <translation type="vanished">Die Ankündigung des Servers im lokalen Netz trug einen ANDEREN Fingerabdruck:
%1</translation>
    </message>
    <message>
        <source>Why it needs your decision: %1</source>
        <translation type="vanished">Warum du entscheiden musst: %1</translation>
    </message>
    <message>
        <source>Trust the new certificate</source>
        <translation type="vanished">Dem neuen Zertifikat vertrauen</translation>
    </message>
    <message>
        <source>Trust and connect</source>
        <translation type="vanished">Vertrauen und verbinden</translation>
    </message>
    <message>
        <source>I have checked the new fingerprint with the server&apos;s admin</source>
        <translation type="vanished">Ich habe den neuen Fingerabdruck mit der Administration des Servers geprüft</translation>
    </message>
</context>
</TS>
