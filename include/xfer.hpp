// xfer.hpp - the whole public API of xfer.
#pragma once

#include <xfer/auth.hpp>
#include <xfer/callbacks.hpp>
#include <xfer/connect_options.hpp>
#include <xfer/cookie_jar.hpp>
#include <xfer/error.hpp>
#include <xfer/fault_injection.hpp>
#include <xfer/form.hpp>
#include <xfer/headers.hpp>
#include <xfer/http1/error.hpp>
#include <xfer/http1/request_writer.hpp>
#include <xfer/http1/response_parser.hpp>
#include <xfer/multi.hpp>
#include <xfer/multi_counters.hpp>
#include <xfer/multi_options.hpp>
#include <xfer/multi_remote.hpp>
#include <xfer/multipart.hpp>
#include <xfer/redirect_policy.hpp>
#include <xfer/retry_policy.hpp>
#include <xfer/tls_options.hpp>
#include <xfer/transfer.hpp>
#include <xfer/transfer_info.hpp>
#include <xfer/transfer_state.hpp>
#include <xfer/url.hpp>
#include <xfer/version.hpp>
