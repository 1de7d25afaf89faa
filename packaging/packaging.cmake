# Debian packages from this build (docs/operations.md): `make package` → confab-server_*.deb
# (the server, confab-admin, a hardened systemd unit, /etc/confab/server.ini) and confab_*.deb
# (the desktop client, its .desktop file, icons, AppStream metainfo, man page).
set(CONFAB_PKG ${CMAKE_CURRENT_LIST_DIR})

# Man pages and changelogs are installed gzipped (-n: no name or time in the header, so the
# bytes depend on the content only).
function(confab_gzip source output)
  add_custom_command(OUTPUT ${output}
    COMMAND gzip -9nc ${source} > ${output}
    DEPENDS ${source} VERBATIM)
endfunction()
set(gz ${CMAKE_CURRENT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${gz})
confab_gzip(${CONFAB_PKG}/server/confab-server.8 ${gz}/confab-server.8.gz)
confab_gzip(${CONFAB_PKG}/server/confab-admin.8 ${gz}/confab-admin.8.gz)
confab_gzip(${CONFAB_PKG}/client/confab.1 ${gz}/confab.1.gz)
confab_gzip(${CONFAB_PKG}/changelog ${gz}/changelog.Debian.gz)
add_custom_target(confab_package_docs ALL DEPENDS
  ${gz}/confab-server.8.gz ${gz}/confab-admin.8.gz ${gz}/confab.1.gz ${gz}/changelog.Debian.gz)

# confab-server
install(FILES ${CONFAB_PKG}/server/confab-server.service DESTINATION /lib/systemd/system
        COMPONENT server)
install(FILES ${CONFAB_PKG}/server/server.ini DESTINATION /etc/confab COMPONENT server)
install(FILES ${gz}/confab-server.8.gz ${gz}/confab-admin.8.gz DESTINATION share/man/man8
        COMPONENT server)
install(FILES ${CONFAB_PKG}/copyright ${gz}/changelog.Debian.gz
        DESTINATION share/doc/confab-server COMPONENT server)
install(FILES ${CONFAB_PKG}/lintian-overrides.confab-server DESTINATION share/lintian/overrides
        RENAME confab-server COMPONENT server)

# confab (the client)
if(CONFAB_BUILD_CLIENT)
  install(FILES ${CONFAB_PKG}/client/org.confab.Confab.desktop DESTINATION share/applications
          COMPONENT client)
  install(FILES ${CONFAB_PKG}/client/org.confab.Confab.metainfo.xml DESTINATION share/metainfo
          COMPONENT client)
  install(FILES ${CONFAB_PKG}/client/icons/confab.svg
          DESTINATION share/icons/hicolor/scalable/apps COMPONENT client)
  foreach(size 16 32 48 64 128 256)
    install(FILES ${CONFAB_PKG}/client/icons/confab-${size}.png
            DESTINATION share/icons/hicolor/${size}x${size}/apps RENAME confab.png
            COMPONENT client)
  endforeach()
  install(FILES ${gz}/confab.1.gz DESTINATION share/man/man1 COMPONENT client)
  install(FILES ${CONFAB_PKG}/copyright ${gz}/changelog.Debian.gz
          DESTINATION share/doc/confab COMPONENT client)
  install(FILES ${CONFAB_PKG}/lintian-overrides.confab DESTINATION share/lintian/overrides
          RENAME confab COMPONENT client)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server)
if(CONFAB_BUILD_CLIENT)
  list(APPEND CPACK_COMPONENTS_ALL client)
endif()
set(CPACK_PACKAGE_NAME confab)
set(CPACK_PACKAGE_VENDOR "The Confab developers")
set(CPACK_PACKAGE_CONTACT "Confab developers <dev@confab.org>")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://confab.org/")
# Each package's first description line is its own summary (below), not the project's.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # name_version-release_arch.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # Depends: from the binaries' libraries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME confab-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
# Plugins Qt loads at run time are not seen by dpkg-shlibdeps.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser, libqt6sql6-sqlite")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    "${CONFAB_PKG}/server/debian/conffiles;${CONFAB_PKG}/server/debian/postinst;${CONFAB_PKG}/server/debian/prerm;${CONFAB_PKG}/server/debian/postrm")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_SERVER_DESCRIPTION "self-hosted chat server for teams on a LAN
Confab's server: rooms, direct messages, history, search and live delivery
over WebSocket (with an SSE fallback), TLS by default with a self-signed
certificate made on first start. Every message is committed to its SQLite
database before it is acknowledged.
.
The package runs it as the confab-server systemd service under its own
user, and ships confab-admin for accounts, sessions, rooms and backups.")

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME confab)
set(CPACK_DEBIAN_CLIENT_PACKAGE_SECTION net)
set(CPACK_DEBIAN_CLIENT_PACKAGE_DEPENDS "libqt6sql6-sqlite, qt6-qpa-plugins")
set(CPACK_DEBIAN_CLIENT_PACKAGE_RECOMMENDS "fonts-noto-color-emoji, qt6-translations-l10n")
set(CPACK_DEBIAN_CLIENT_DESCRIPTION "desktop client for Confab team chat
Chat with your team through a Confab server on your network: rooms, direct
messages, replies, reactions, mentions, search. It finds servers on the LAN,
checks the server's certificate on first use as SSH does, and keeps unsent
messages in an outbox across reconnects and restarts.")

include(CPack)
