// CLLoader: the OpenCL 1.2 host API, resolved with dlopen/dlsym at run time.
//
// gpufit must start on machines without an OpenCL loader (libOpenCL.so.1) and run on its CPU engine
// there, so nothing links libOpenCL. cll_load() opens the loader once; every cll_X function forwards to
// the loader's clX, or returns CL_INVALID_PLATFORM... never: callers must check cll_load() first.
#ifndef GPUFIT_CLLOADER_H
#define GPUFIT_CLLOADER_H

#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#include <CL/cl_ext.h>
#include <stddef.h>

/// Loads the OpenCL ICD loader. Returns 0 on success; otherwise writes why into `message` and returns -1.
/// Safe to call repeatedly; the first result is remembered.
int cll_load(char *message, size_t message_size);

cl_int cll_GetPlatformIDs(cl_uint, cl_platform_id *, cl_uint *);
cl_int cll_GetPlatformInfo(cl_platform_id, cl_platform_info, size_t, void *, size_t *);
cl_int cll_GetDeviceIDs(cl_platform_id, cl_device_type, cl_uint, cl_device_id *, cl_uint *);
cl_int cll_GetDeviceInfo(cl_device_id, cl_device_info, size_t, void *, size_t *);
cl_context cll_CreateContext(cl_device_id device, cl_int *errcode);
cl_int cll_ReleaseContext(cl_context);
cl_command_queue cll_CreateCommandQueue(cl_context, cl_device_id, cl_command_queue_properties, cl_int *);
cl_int cll_ReleaseCommandQueue(cl_command_queue);
cl_program cll_CreateProgramWithSource(cl_context, const char *source, cl_int *errcode);
cl_program cll_CreateProgramWithBinary(cl_context, cl_device_id, const unsigned char *binary, size_t size,
                                       cl_int *errcode);
cl_int cll_BuildProgram(cl_program, cl_device_id, const char *options);
cl_int cll_GetProgramBuildInfo(cl_program, cl_device_id, cl_program_build_info, size_t, void *, size_t *);
/// The program's binary for its single device; size 0 where the device gives none.
cl_int cll_GetProgramBinary(cl_program, unsigned char *buffer, size_t buffer_size, size_t *size);
cl_int cll_ReleaseProgram(cl_program);
cl_kernel cll_CreateKernel(cl_program, const char *name, cl_int *errcode);
cl_int cll_ReleaseKernel(cl_kernel);
cl_int cll_SetKernelArg(cl_kernel, cl_uint index, size_t size, const void *value);
cl_int cll_GetKernelWorkGroupInfo(cl_kernel, cl_device_id, cl_kernel_work_group_info, size_t, void *, size_t *);
cl_mem cll_CreateBuffer(cl_context, cl_mem_flags, size_t size, void *host, cl_int *errcode);
cl_int cll_ReleaseMemObject(cl_mem);
cl_int cll_EnqueueWriteBuffer(cl_command_queue, cl_mem, size_t offset, size_t size, const void *source);
cl_int cll_EnqueueReadBuffer(cl_command_queue, cl_mem, size_t offset, size_t size, void *destination);
cl_int cll_EnqueueNDRangeKernel1D(cl_command_queue, cl_kernel, size_t global_size, size_t local_size);
cl_int cll_Finish(cl_command_queue);

#endif
