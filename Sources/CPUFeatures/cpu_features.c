// Run-time check for the instruction set the FitLanesAVX2 module is compiled for (read with CPUID and
// XGETBV, as Intel's manual, vol. 1 sec. 14.3, says to detect AVX: the CPU flags and the OS's YMM state).
#include "cpu_features.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

int gpufit_cpu_supports_x86_64_v3(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, movbe = (c >> 22) & 1, popcnt = (c >> 23) & 1;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!(fma && movbe && popcnt && osxsave && avx && f16c)) return 0;
    if ((read_xcr0() & 0x6) != 0x6) return 0;  // XMM and YMM state saved by the OS
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const int bmi1 = (b >> 3) & 1, avx2 = (b >> 5) & 1, bmi2 = (b >> 8) & 1;
    if (!(bmi1 && avx2 && bmi2)) return 0;
    if (!__get_cpuid(0x80000001, &a, &b, &c, &d)) return 0;
    const int lzcnt = (c >> 5) & 1;
    return lzcnt;
}
#else
int gpufit_cpu_supports_x86_64_v3(void) { return 0; }
#endif
