#ifndef KVO_CYAML_SHIM_H
#define KVO_CYAML_SHIM_H
// libyaml has no variadic functions; the header is included as is.
#include <yaml.h>
#endif
