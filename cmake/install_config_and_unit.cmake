# Runs at install time (cmake --install, and cpack's staging install): puts the
# default config and the systemd unit where the prefix being installed to
# wants them, with the unit's ExecStart naming those paths. The prefix is only
# known then (cpack installs to /usr, `cmake --install` to /usr/local or
# --prefix), so this cannot be a plain install(FILES).
# Expects RINGCAST_SOURCE_DIR and RINGCAST_BINARY_DIR (set by install(CODE)).

# As GNUInstallDirs has it: the /usr prefix keeps its config in /etc, any
# other prefix in <prefix>/etc.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(ringcast_sysconfdir "/etc")
else()
  set(ringcast_sysconfdir "${CMAKE_INSTALL_PREFIX}/etc")
endif()
set(ringcast_config "${ringcast_sysconfdir}/ringcast/ringcast.yaml")
set(ringcast_binary "${CMAKE_INSTALL_PREFIX}/bin/ringcast")

# deploy/ringcast.service names the /usr/local paths; rewrite its ExecStart.
file(READ "${RINGCAST_SOURCE_DIR}/deploy/ringcast.service" unit)
string(REGEX REPLACE "\nExecStart=[^\n]*" "\nExecStart=${ringcast_binary} --config ${ringcast_config}" unit "${unit}")
string(REGEX REPLACE "paths below are for the default prefix /usr/local"
       "paths below are for the prefix ${CMAKE_INSTALL_PREFIX}" unit "${unit}")
set(staged "${RINGCAST_BINARY_DIR}/install-staging")
file(WRITE "${staged}/ringcast.service" "${unit}")

# file(INSTALL) adds DESTDIR and records the files in install_manifest.txt.
file(INSTALL DESTINATION "${ringcast_sysconfdir}/ringcast" TYPE FILE
     FILES "${RINGCAST_SOURCE_DIR}/config/ringcast.yaml")
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
     FILES "${staged}/ringcast.service")
