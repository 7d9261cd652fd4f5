/* common/asan.h: marking memory kept for reuse (a reset arena's bytes, a pooled request state)
 * as off limits to AddressSanitizer until it is handed out again, so that a use after the reset
 * is caught as a use after free would be. Nothing without ASan. */
#ifndef LM_COMMON_ASAN_H
#define LM_COMMON_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define LM_ASAN_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define LM_ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define LM_ASAN_POISON(p, n)   ((void)(p), (void)(n))
#define LM_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#endif
