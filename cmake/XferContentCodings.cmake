# XferContentCodings.cmake - the optional content codings of target xfer (Accept-Encoding and
# response decoding): zlib for gzip and deflate, brotli for br, libzstd for zstd.
#
# Each is chosen by a cache variable, AUTO (the default: used when found, else left out with a
# message), ON (required: configuring fails without it) or OFF (left out):
#
#   XFER_WITH_ZLIB    zlib     (Debian zlib1g-dev)    XFER_HAS_ZLIB
#   XFER_WITH_BROTLI  brotli   (Debian libbrotli-dev) XFER_HAS_BROTLI
#   XFER_WITH_ZSTD    libzstd  (Debian libzstd-dev)   XFER_HAS_ZSTD
#
# An enabled coding adds its library to xfer's INTERFACE link libraries and its macro to xfer's
# INTERFACE compile definitions; the variable of the macro's name is set ON in the including
# scope. Nothing is downloaded.

function(xfer_content_coding option package target macro codings)
  set(${option} AUTO CACHE STRING "Decode ${codings} with ${package}: AUTO (when found), ON (required) or OFF")
  set_property(CACHE ${option} PROPERTY STRINGS AUTO ON OFF)
  set(mode "${${option}}")
  string(TOUPPER "${mode}" mode_upper)
  set(enabled OFF)
  if(mode_upper STREQUAL "AUTO")
    find_package(${package} QUIET)
    if(TARGET ${target})
      set(enabled ON)
    else()
      message(STATUS "xfer: ${package} not found, so ${codings} will not be decoded (${option}=AUTO; install it, or set ${option}=OFF to silence this)")
    endif()
  elseif(mode)
    find_package(${package} REQUIRED)
    if(NOT TARGET ${target})
      message(FATAL_ERROR "xfer: ${option}=${mode} but ${package} gave no target ${target}")
    endif()
    set(enabled ON)
  endif()
  if(enabled)
    target_link_libraries(xfer INTERFACE ${target})
    target_compile_definitions(xfer INTERFACE ${macro})
    message(STATUS "xfer: ${codings} decoded with ${package} (${macro})")
  endif()
  set(${macro} ${enabled} PARENT_SCOPE)
endfunction()

xfer_content_coding(XFER_WITH_ZLIB ZLIB ZLIB::ZLIB XFER_HAS_ZLIB "gzip, deflate")
xfer_content_coding(XFER_WITH_BROTLI brotli brotli::brotlidec XFER_HAS_BROTLI "br")
xfer_content_coding(XFER_WITH_ZSTD zstd zstd::libzstd XFER_HAS_ZSTD "zstd")
