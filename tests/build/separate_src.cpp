// Separate compilation: xfer's (and Asio's) non-template bodies, compiled once here.
#include <xfer/src.hpp>
