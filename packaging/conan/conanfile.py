"""Conan 2 recipe of xfer: a header-only C++20 HTTP(S) client with libcurl's multi interface.

It packages the xfer checkout it lives in (packaging/conan is two levels below the root):

    conan create packaging/conan --build=missing -o "xfer/*:with_brotli=True"

Consumers get the same CMake package and target as xfer's own install: find_package(xfer CONFIG)
and xfer::xfer.
"""
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class XferConan(ConanFile):
    name = "xfer"
    description = "Header-only C++20 HTTP(S) client with libcurl's multi interface, on Asio and OpenSSL"
    license = "BSL-1.0"
    topics = ("http", "https", "http-client", "asio", "curl", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    # The optional content codings (CMake XFER_WITH_ZLIB, XFER_WITH_BROTLI, XFER_WITH_ZSTD) and
    # the choice of Asio (CMake XFER_USE_BOOST_ASIO).
    options = {
        "with_zlib": [True, False],
        "with_brotli": [True, False],
        "with_zstd": [True, False],
        "with_boost_asio": [True, False],
    }
    default_options = {
        "with_zlib": True,
        "with_brotli": False,
        "with_zstd": False,
        "with_boost_asio": False,
    }
    no_copy_source = True

    @property
    def _root(self):
        return os.path.join(self.recipe_folder, "..", "..")

    def set_version(self):
        # The one place the version is written: include/xfer/version.hpp.
        version_header = load(self, os.path.join(self._root, "include", "xfer", "version.hpp"))
        self.version = re.search(r'#define XFER_VERSION_STRING "([^"]+)"', version_header).group(1)

    def export_sources(self):
        copy(self, "include/*.hpp", self._root, self.export_sources_folder)
        copy(self, "include/*.ipp", self._root, self.export_sources_folder)
        copy(self, "LICENSE", self._root, self.export_sources_folder)

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        self.requires("openssl/[>=3 <4]")
        if self.options.with_boost_asio:
            self.requires("boost/[>=1.74]")
        else:
            self.requires("asio/[>=1.22 <2]")
        if self.options.with_zlib:
            self.requires("zlib/[>=1.2.11 <2]")
        if self.options.with_brotli:
            self.requires("brotli/[>=1.0.9 <2]")
        if self.options.with_zstd:
            self.requires("zstd/[>=1.5 <2]")

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)
        if self.settings.os == "Windows":
            raise ConanInvalidConfiguration("xfer uses POSIX sockets; Windows is not supported yet")

    def package(self):
        # The same tree as `cmake --install`: include/xfer.hpp and include/xfer/**.
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        include = os.path.join(self.source_folder, "include")
        copy(self, "*.hpp", include, os.path.join(self.package_folder, "include"))
        copy(self, "*.ipp", include, os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "xfer")
        self.cpp_info.set_property("cmake_target_name", "xfer::xfer")
        self.cpp_info.set_property("pkg_config_name", "xfer")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        if self.options.with_boost_asio:
            self.cpp_info.defines.append("XFER_USE_BOOST_ASIO")
        else:
            self.cpp_info.defines.append("ASIO_STANDALONE")
        if self.options.with_zlib:
            self.cpp_info.defines.append("XFER_HAS_ZLIB")
        if self.options.with_brotli:
            self.cpp_info.defines.append("XFER_HAS_BROTLI")
        if self.options.with_zstd:
            self.cpp_info.defines.append("XFER_HAS_ZSTD")
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs.append("pthread")
