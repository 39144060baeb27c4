# CPack: the Debian package, `cpack -G DEB` in the build directory (or
# `cmake --build BUILD --target package`). Everything is installed with
# DESTDIR and prefix /usr, whatever the configure-time prefix, so that the
# unit names /usr/sbin/tbmond and the configuration lands in /etc/tbmon.
set(CPACK_PACKAGE_NAME tbmon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "tbmon")
set(CPACK_PACKAGE_CONTACT "tbmon maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "equipment monitoring for public vocational training bases")
set(CPACK_GENERATOR DEB)
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "tbmon maintainers")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The maintainer scripts create the user with systemd-sysusers, or useradd
# (passwd, always there) on a machine without systemd.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto, sqlite3")
# The Debian description: the summary, then this text (CPack formats it).
set(CPACK_PACKAGE_DESCRIPTION "tbmon watches the assessment and training equipment of a public vocational
training base (CNC machines, PLC and electrical benches, welding booths) and
keeps an honest record of every fault, repair and safety event. From that
record it measures the equipment indicators of the employment-promotion
fund's annual performance evaluation: fault repair rate, safety accidents
and lab operation.

tbmond polls Modbus TCP/RTU devices and subscribes to MQTT devices, and
writes faults and safety events to SQLite; tbmctl lets technicians and
managers acknowledge, repair, dismiss and classify them; tbm-report renders
the annual self-evaluation (Markdown, HTML, CSV, XLSX, JSON); tbm-sim
simulates a training base.")

foreach(script postinst prerm postrm)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/${script}.in
    ${CMAKE_BINARY_DIR}/packaging/debian/${script} @ONLY
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
      WORLD_READ WORLD_EXECUTE)
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/conffiles.in
  ${CMAKE_BINARY_DIR}/packaging/debian/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_BINARY_DIR}/packaging/debian/conffiles
  ${CMAKE_BINARY_DIR}/packaging/debian/postinst
  ${CMAKE_BINARY_DIR}/packaging/debian/prerm
  ${CMAKE_BINARY_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
