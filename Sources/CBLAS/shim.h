// OpenBLAS's CBLAS interface plus its thread-count controls (declared in the same header), and a prefetch.
#include <cblas.h>

/* Asks for the cache line holding `address` ahead of its use; it never faults, whatever the address. Here because
   Swift has no prefetch of its own and this is the C header the kernels already import. */
static inline void dpo_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
