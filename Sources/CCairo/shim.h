#ifndef SEAL_CCAIRO_SHIM_H
#define SEAL_CCAIRO_SHIM_H
// cairo draws the seal picture generated when a department gives no image of its own.
#include <cairo/cairo.h>
#endif
