// The module's version: logged at load, read by the Makefile (make help, make install).
#pragma once
#define NGX_HTTP_WELLKNOWN_VERSION "0.1.0"
