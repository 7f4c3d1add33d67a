// xfer/src.hpp - compiles xfer's non-template bodies; include it in exactly one translation unit.
//
// For builds that define XFER_SEPARATE_COMPILATION everywhere: the headers then
// leave out their .ipp bodies, and this file provides them once.
#pragma once

#if !defined(XFER_SEPARATE_COMPILATION)
#error "xfer/src.hpp is for builds that define XFER_SEPARATE_COMPILATION"
#endif

#include <xfer/impl/cookie_jar.ipp>
#include <xfer/impl/error.ipp>
#include <xfer/detail/impl/http_date.ipp>
#include <xfer/impl/url.ipp>
#include <xfer/detail/impl/content_decoder.ipp>
#include <xfer/http1/impl/error.ipp>
#include <xfer/http1/impl/request_writer.ipp>
#include <xfer/http1/impl/response_parser.ipp>
#include <xfer/impl/multipart.ipp>
#include <xfer/detail/impl/auth_challenge.ipp>
#include <xfer/detail/impl/digest_auth.ipp>
#include <xfer/detail/impl/default_executor_instances.ipp>
