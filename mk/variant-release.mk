# VARIANT=release (the default): the module as shipped, built with nginx's
# own flags (Debian's conf_flags for Debian's tree), at
# build/ngx_http_wellknown_module.so, and wellknown-jwk at build/wellknown-jwk;
# the unit tests built with g++ -O1 -g.
MODULE := $(BUILD)/$(NAME).so
TOOL   := $(BUILD)/wellknown-jwk
