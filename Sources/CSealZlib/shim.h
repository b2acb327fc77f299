#ifndef SEAL_CZLIB_SHIM_H
#define SEAL_CZLIB_SHIM_H
// zlib inflates and deflates PDF streams (FlateDecode); Swift calls it directly.
#include <zlib.h>
#endif
