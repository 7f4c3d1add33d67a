// xfer/detail/config.hpp - build switches shared by every xfer header.
#pragma once

/// XFER_SEPARATE_COMPILATION: when defined, non-template function bodies
/// (the .ipp files) are not included by the headers; compile them once by
/// including <xfer/src.hpp> in one translation unit of your program.
#if defined(XFER_SEPARATE_COMPILATION)
#define XFER_DECL
#else
#define XFER_HEADER_ONLY 1
#define XFER_DECL inline
#endif
