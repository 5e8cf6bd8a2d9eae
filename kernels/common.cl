// common.cl: precision switch shared by every gpufit kernel (after CLBlast's common.opencl).
// Reads: GPUFIT_FP64 (1: REAL is double, needs cl_khr_fp64; 0: float). Defines REAL.
#ifndef GPUFIT_FP64
#define GPUFIT_FP64 1
#endif
#if GPUFIT_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double REAL;
#else
typedef float REAL;
#endif
