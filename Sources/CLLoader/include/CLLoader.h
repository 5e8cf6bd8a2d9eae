// CLLoader: the OpenCL 1.2 host API, resolved with dlopen/dlsym at run time.
//
// gpufit must start on machines without an OpenCL loader (libOpenCL.so.1) and run on its CPU engine
// there, so nothing links libOpenCL. cll_load() opens the loader once; every cll_X function forwards to
// the loader's clX. Callers must check cll_load() first.
//
// The few OpenCL 1.2 types and constants gpufit uses are declared here, with the values of the OpenCL
// specification (the ABI every ICD loader implements), so that building gpufit needs no OpenCL headers.
#ifndef GPUFIT_CLLOADER_H
#define GPUFIT_CLLOADER_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint64_t cl_ulong;
typedef cl_ulong cl_bitfield;
typedef cl_bitfield cl_device_type;
typedef cl_bitfield cl_device_fp_config;
typedef cl_bitfield cl_command_queue_properties;
typedef cl_bitfield cl_mem_flags;
typedef cl_uint cl_platform_info;
typedef cl_uint cl_device_info;
typedef cl_uint cl_program_build_info;
typedef cl_uint cl_program_info;
typedef cl_uint cl_kernel_work_group_info;
typedef intptr_t cl_context_properties;
typedef cl_uint cl_bool;
typedef struct _cl_platform_id *cl_platform_id;
typedef struct _cl_device_id *cl_device_id;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;
typedef struct _cl_event *cl_event;

enum {
    CL_SUCCESS = 0,
    CL_TRUE = 1,
    CL_PLATFORM_NOT_FOUND_KHR = -1001,
    CL_PLATFORM_NAME = 0x0902,
    CL_DEVICE_TYPE = 0x1000,
    CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002,
    CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004,
    CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F,
    CL_DEVICE_NAME = 0x102B,
    CL_DEVICE_VENDOR = 0x102C,
    CL_DRIVER_VERSION = 0x102D,
    CL_DEVICE_VERSION = 0x102F,
    CL_DEVICE_EXTENSIONS = 0x1030,
    CL_DEVICE_DOUBLE_FP_CONFIG = 0x1032,
    CL_DEVICE_TYPE_CPU = 1 << 1,
    CL_DEVICE_TYPE_GPU = 1 << 2,
    CL_DEVICE_TYPE_ACCELERATOR = 1 << 3,
    CL_MEM_WRITE_ONLY = 1 << 1,
    CL_MEM_READ_ONLY = 1 << 2,
    CL_PROGRAM_BINARY_SIZES = 0x1165,
    CL_PROGRAM_BINARIES = 0x1166,
    CL_PROGRAM_BUILD_LOG = 0x1183,
};
static const cl_device_type CL_DEVICE_TYPE_ALL = 0xFFFFFFFF;

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
