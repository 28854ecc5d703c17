# The Debian package: `cpack -G DEB` in a build tree (docs/operations.md). It installs under /usr
# with its config file in /etc, whatever prefix the tree was configured with, because the unit and
# the config file are placed at install time (systemd/install.cmake.in) for the prefix CPack
# installs to. Depends comes from dpkg-shlibdeps (packages dpkg-dev and file).
include(${CMAKE_CURRENT_LIST_DIR}/InstallDirs.cmake)

install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tcpchat)
set(CPACK_PACKAGE_VENDOR "The tcpchat developers")
set(CPACK_PACKAGE_CONTACT "The tcpchat developers <dev@tcpchat.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "chat daemon and terminal client speaking the Python Chat protocol")
# Debian's extended description: lines under 80 columns, paragraphs separated by " .".
set(CPACK_PACKAGE_DESCRIPTION [[
tcpchatd is a single-threaded chat daemon: every valid message a client sends
is broadcast to every connected client, in one order. It speaks the wire
protocol of the original Python Chat byte for byte, validates every input,
keeps its memory bounded whatever a client does, and runs as a hardened
systemd service with readiness notification, a watchdog and optional socket
activation.
.
tcpchat is its terminal client: interactive with a line editor, or scriptable
with JSON Lines output.]])
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The maintainer scripts call deb-systemd-helper and deb-systemd-invoke.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.54)")
# tcpchat --tls verifies servers against the system's CAs, which this package provides.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
tcpchat_install_sysconfdir(deb_sysconfdir "${CMAKE_INSTALL_SYSCONFDIR}" "${CPACK_PACKAGING_INSTALL_PREFIX}")
file(CONFIGURE OUTPUT deb/conffiles CONTENT "${deb_sysconfdir}/tcpchat/tcpchatd.conf\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/deb/conffiles
    ${CMAKE_CURRENT_LIST_DIR}/deb/postinst
    ${CMAKE_CURRENT_LIST_DIR}/deb/prerm
    ${CMAKE_CURRENT_LIST_DIR}/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
