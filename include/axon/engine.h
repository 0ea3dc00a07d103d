/* axon/engine.h - build and simulate a spec on MPI ranks x OpenMP threads.
 * (Filled in by the engine work; see DESIGN.md §2.) */
#ifndef AXON_ENGINE_H
#define AXON_ENGINE_H
#include "axon/error.h"
#endif
