// xfer/version.hpp - the library version, in one place.
#pragma once

/// xfer's version as MAJOR * 10000 + MINOR * 100 + PATCH.
#define XFER_VERSION 100
#define XFER_VERSION_MAJOR 0
#define XFER_VERSION_MINOR 1
#define XFER_VERSION_PATCH 0
/// The version as text, also sent in the default User-Agent ("xfer/0.1.0").
#define XFER_VERSION_STRING "0.1.0"
