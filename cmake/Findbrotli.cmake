# Findbrotli.cmake - locate brotli's decoder library (and its encoder, which xfer's tests use).
#
# Debian's libbrotli-dev installs pkg-config files but no CMake package config. This module
# looks for brotli/decode.h and the libraries (with pkg-config's hints when pkg-config exists)
# and defines the imported targets brotli::brotlidec, brotli::brotlicommon and, when found,
# brotli::brotlienc. Sets brotli_FOUND, brotli_INCLUDE_DIR and brotli_VERSION.

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_brotlidec QUIET libbrotlidec)
endif()

find_path(brotli_INCLUDE_DIR NAMES brotli/decode.h HINTS ${PC_brotlidec_INCLUDE_DIRS})
find_library(brotli_DEC_LIBRARY NAMES brotlidec HINTS ${PC_brotlidec_LIBRARY_DIRS})
find_library(brotli_COMMON_LIBRARY NAMES brotlicommon HINTS ${PC_brotlidec_LIBRARY_DIRS})
find_library(brotli_ENC_LIBRARY NAMES brotlienc HINTS ${PC_brotlidec_LIBRARY_DIRS})
set(brotli_VERSION "${PC_brotlidec_VERSION}")

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(brotli
  REQUIRED_VARS brotli_DEC_LIBRARY brotli_COMMON_LIBRARY brotli_INCLUDE_DIR
  VERSION_VAR brotli_VERSION)

if(brotli_FOUND)
  if(NOT TARGET brotli::brotlicommon)
    add_library(brotli::brotlicommon UNKNOWN IMPORTED)
    set_target_properties(brotli::brotlicommon PROPERTIES
      IMPORTED_LOCATION "${brotli_COMMON_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${brotli_INCLUDE_DIR}")
  endif()
  if(NOT TARGET brotli::brotlidec)
    add_library(brotli::brotlidec UNKNOWN IMPORTED)
    set_target_properties(brotli::brotlidec PROPERTIES
      IMPORTED_LOCATION "${brotli_DEC_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${brotli_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES brotli::brotlicommon)
  endif()
  if(brotli_ENC_LIBRARY AND NOT TARGET brotli::brotlienc)
    add_library(brotli::brotlienc UNKNOWN IMPORTED)
    set_target_properties(brotli::brotlienc PROPERTIES
      IMPORTED_LOCATION "${brotli_ENC_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${brotli_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES brotli::brotlicommon)
  endif()
endif()

mark_as_advanced(brotli_INCLUDE_DIR brotli_DEC_LIBRARY brotli_COMMON_LIBRARY brotli_ENC_LIBRARY)
