# The xfer overlay port: builds the xfer source tree this port is part of (packaging/vcpkg/ports/
# xfer is four levels below it), so `vcpkg install xfer --overlay-ports=<xfer>/packaging/vcpkg/ports`
# installs that checkout. xfer is header-only: only a release configure, nothing in debug/.
set(VCPKG_BUILD_TYPE release)
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)

# Each feature is an ON/OFF choice of xfer's configure (ON fails when its library is missing).
vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
  FEATURES
    zlib        XFER_WITH_ZLIB
    brotli      XFER_WITH_BROTLI
    zstd        XFER_WITH_ZSTD
    boost-asio  XFER_USE_BOOST_ASIO
)

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    ${FEATURE_OPTIONS}
    -DXFER_BUILD_TESTS=OFF
    -DXFER_BUILD_EXAMPLES=OFF
    -DXFER_BUILD_BENCH=OFF
    -DXFER_INSTALL=ON
    -DXFER_INSTALL_CMAKEDIR=share/${PORT}
    -DXFER_INSTALL_PKGCONFIGDIR=share/pkgconfig
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/${PORT})
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
