# Findzstd.cmake - locate libzstd.
#
# Looks for zstd.h and the library (with pkg-config's hints when pkg-config exists) and defines
# the imported target zstd::libzstd, unless a zstd package config already did. Sets zstd_FOUND,
# zstd_INCLUDE_DIR and zstd_VERSION (from zstd.h).

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_zstd QUIET libzstd)
endif()

find_path(zstd_INCLUDE_DIR NAMES zstd.h HINTS ${PC_zstd_INCLUDE_DIRS})
find_library(zstd_LIBRARY NAMES zstd HINTS ${PC_zstd_LIBRARY_DIRS})

if(zstd_INCLUDE_DIR AND EXISTS "${zstd_INCLUDE_DIR}/zstd.h")
  file(STRINGS "${zstd_INCLUDE_DIR}/zstd.h" _zstd_version_lines
       REGEX "^#define ZSTD_VERSION_(MAJOR|MINOR|RELEASE) +[0-9]+")
  foreach(_zstd_part MAJOR MINOR RELEASE)
    string(REGEX REPLACE ".*#define ZSTD_VERSION_${_zstd_part} +([0-9]+).*" "\\1"
           _zstd_${_zstd_part} "${_zstd_version_lines}")
  endforeach()
  set(zstd_VERSION "${_zstd_MAJOR}.${_zstd_MINOR}.${_zstd_RELEASE}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(zstd
  REQUIRED_VARS zstd_LIBRARY zstd_INCLUDE_DIR
  VERSION_VAR zstd_VERSION)

if(zstd_FOUND AND NOT TARGET zstd::libzstd)
  add_library(zstd::libzstd UNKNOWN IMPORTED)
  set_target_properties(zstd::libzstd PROPERTIES
    IMPORTED_LOCATION "${zstd_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${zstd_INCLUDE_DIR}")
endif()

mark_as_advanced(zstd_INCLUDE_DIR zstd_LIBRARY)
