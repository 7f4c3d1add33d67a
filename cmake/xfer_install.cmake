# xfer_install.cmake - installs xfer as a CMake package (xfer::xfer) and a pkg-config module.
#
# Installed tree (paths relative to CMAKE_INSTALL_PREFIX, the defaults):
#
#   include/xfer.hpp, include/xfer/...      the headers (.hpp and .ipp)
#   share/cmake/xfer/                       xfer-config.cmake, xfer-config-version.cmake,
#                                           xfer-targets.cmake and the find modules it needs
#                                           (Findasio, Findbrotli, Findzstd)
#   share/pkgconfig/xfer.pc                 for pkg-config (relocatable: paths from ${pcfiledir})
#   share/doc/xfer/LICENSE
#
# The package is architecture-independent (headers only), so everything lives under share/.
# XFER_INSTALL_CMAKEDIR and XFER_INSTALL_PKGCONFIGDIR move the two metadata folders (the vcpkg
# port puts the CMake files straight in share/xfer).

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(XFER_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/xfer" CACHE STRING
    "Where xfer-config.cmake is installed, relative to the prefix")
set(XFER_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig" CACHE STRING
    "Where xfer.pc is installed, relative to the prefix")

install(TARGETS xfer EXPORT xfer-targets)
install(EXPORT xfer-targets NAMESPACE xfer:: DESTINATION "${XFER_INSTALL_CMAKEDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.ipp")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/xfer")

# xfer-config.cmake finds what xfer::xfer links: the same choices as this configure made.
set(XFER_CONFIG_CODINGS "")
foreach(coding ZLIB BROTLI ZSTD)
  if(XFER_HAS_${coding})
    list(APPEND XFER_CONFIG_CODINGS ${coding})
  endif()
endforeach()
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/xfer-config.cmake.in"
  "${PROJECT_BINARY_DIR}/xfer-config.cmake"
  INSTALL_DESTINATION "${XFER_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/xfer-config-version.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion
  ARCH_INDEPENDENT)
install(FILES
  "${PROJECT_BINARY_DIR}/xfer-config.cmake"
  "${PROJECT_BINARY_DIR}/xfer-config-version.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/Findasio.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/Findbrotli.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/Findzstd.cmake"
  DESTINATION "${XFER_INSTALL_CMAKEDIR}")

# xfer.pc: the compile definitions and libraries of the same choices, for pkg-config users.
set(XFER_PC_REQUIRES "openssl")
set(XFER_PC_CFLAGS "")
if(XFER_USE_BOOST_ASIO)
  string(APPEND XFER_PC_CFLAGS " -DXFER_USE_BOOST_ASIO")
  foreach(dir IN LISTS Boost_INCLUDE_DIRS)
    string(APPEND XFER_PC_CFLAGS " -I${dir}")
  endforeach()
else()
  get_target_property(xfer_asio_definitions asio::asio INTERFACE_COMPILE_DEFINITIONS)
  foreach(definition IN LISTS xfer_asio_definitions)
    if(definition)
      string(APPEND XFER_PC_CFLAGS " -D${definition}")
    endif()
  endforeach()
  get_target_property(xfer_asio_includes asio::asio INTERFACE_INCLUDE_DIRECTORIES)
  foreach(dir IN LISTS xfer_asio_includes)
    if(dir AND NOT dir STREQUAL "/usr/include")
      string(APPEND XFER_PC_CFLAGS " -I${dir}")
    endif()
  endforeach()
endif()
if(XFER_HAS_ZLIB)
  string(APPEND XFER_PC_REQUIRES " zlib")
  string(APPEND XFER_PC_CFLAGS " -DXFER_HAS_ZLIB")
endif()
if(XFER_HAS_BROTLI)
  string(APPEND XFER_PC_REQUIRES " libbrotlidec")
  string(APPEND XFER_PC_CFLAGS " -DXFER_HAS_BROTLI")
endif()
if(XFER_HAS_ZSTD)
  string(APPEND XFER_PC_REQUIRES " libzstd")
  string(APPEND XFER_PC_CFLAGS " -DXFER_HAS_ZSTD")
endif()
file(RELATIVE_PATH XFER_PC_TO_PREFIX "/prefix/${XFER_INSTALL_PKGCONFIGDIR}" "/prefix")
string(REGEX REPLACE "/$" "" XFER_PC_TO_PREFIX "${XFER_PC_TO_PREFIX}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/xfer.pc.in" "${PROJECT_BINARY_DIR}/xfer.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/xfer.pc" DESTINATION "${XFER_INSTALL_PKGCONFIGDIR}")
