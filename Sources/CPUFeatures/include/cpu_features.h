#ifndef GPUFIT_CPU_FEATURES_H
#define GPUFIT_CPU_FEATURES_H

/// 1 if this processor and operating system can run code built for x86-64-v3 (what `-target-cpu haswell`
/// may emit: AVX, AVX2, FMA, BMI1, BMI2, F16C, LZCNT, MOVBE, POPCNT, with the YMM state enabled by the OS);
/// 0 otherwise, and always 0 on other architectures.
int gpufit_cpu_supports_x86_64_v3(void);

#endif
