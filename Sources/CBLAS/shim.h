// OpenBLAS's CBLAS interface plus its thread-count controls (declared in the same header).
#include <cblas.h>
