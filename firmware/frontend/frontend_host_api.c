/* Extra entry points for the Python binding (host shared library only): the sizes of the
 * state structs, so Python allocates them without mirroring their layout. */
#include <stddef.h>

#include "frontend/frontend.h"
#include "frontend/vad.h"

size_t h7fe_state_size(void) { return sizeof(h7fe_t); }
size_t h7fe_config_size(void) { return sizeof(h7fe_config_t); }
size_t h7vad_state_size(void) { return sizeof(h7vad_t); }
size_t h7vad_config_size(void) { return sizeof(h7vad_config_t); }
