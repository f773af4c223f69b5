# CPack settings for the Debian package (make deb, or cpack -G DEB in the build
# directory): ringcast_<version>_<arch>.deb holding the daemon, the load
# generator, /etc/ringcast/ringcast.yaml (a conffile) and the systemd unit,
# with Depends computed from the binaries' shared libraries.

# The package version is the project's; the daemon reports version.h's. A
# package must never claim another version than the binary inside it.
file(STRINGS "${PROJECT_SOURCE_DIR}/broker/core/version.h" version_line REGEX "kVersion = ")
string(REGEX MATCH "\"([^\"]+)\"" _ "${version_line}")
if(NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "project(VERSION ${PROJECT_VERSION}) differs from kVersion \"${CMAKE_MATCH_1}\" "
                      "in broker/core/version.h: change both")
endif()

# cpack packages what has been built, as `cmake --install` does: its
# "preinstall" step would otherwise build every test first. `make deb` builds
# the two binaries before it runs cpack.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ringcast)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "ringcast developers <dev@ringcast.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Redis-protocol pub/sub broker on sharded io_uring reactors")
# One string: several would be joined with ";" into the control file.
set(CPACK_PACKAGE_DESCRIPTION "\
ringcast speaks the Redis protocol (RESP2 and RESP3) for SUBSCRIBE and
PUBLISH, so any Redis client works against it unchanged, and fans each
message out to its subscribers from one shared encoded copy. Nodes can share
one pub/sub space through NATS. The package holds the daemon,
ringcast-loadgen, the default configuration in /etc/ringcast/ringcast.yaml
and a systemd unit (not enabled on install).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)   # <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps (dpkg-dev) turns the binaries' NEEDED libraries into Depends.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

# The config is a conffile, so an upgrade never overwrites local edits; the
# maintainer scripts tell systemd about the unit.
set(ringcast_control "${PROJECT_BINARY_DIR}/debian-control")
file(WRITE "${ringcast_control}/conffiles" "/etc/ringcast/ringcast.yaml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${ringcast_control}/conffiles"
  "${PROJECT_SOURCE_DIR}/deploy/debian/postinst"
  "${PROJECT_SOURCE_DIR}/deploy/debian/prerm"
  "${PROJECT_SOURCE_DIR}/deploy/debian/postrm")
# conffiles 0644, maintainer scripts 0755, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
