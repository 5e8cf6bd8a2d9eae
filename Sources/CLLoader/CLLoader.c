// See CLLoader.h. Each entry point is looked up once, in cll_load().
#include "CLLoader.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// The loader's entry points, with their OpenCL 1.2 signatures.
typedef cl_int (*GetPlatformIDs_t)(cl_uint, cl_platform_id *, cl_uint *);
typedef cl_int (*GetPlatformInfo_t)(cl_platform_id, cl_platform_info, size_t, void *, size_t *);
typedef cl_int (*GetDeviceIDs_t)(cl_platform_id, cl_device_type, cl_uint, cl_device_id *, cl_uint *);
typedef cl_int (*GetDeviceInfo_t)(cl_device_id, cl_device_info, size_t, void *, size_t *);
typedef cl_context (*CreateContext_t)(const cl_context_properties *, cl_uint, const cl_device_id *,
                                      void (*)(const char *, const void *, size_t, void *), void *, cl_int *);
typedef cl_int (*ReleaseContext_t)(cl_context);
typedef cl_command_queue (*CreateCommandQueue_t)(cl_context, cl_device_id, cl_command_queue_properties, cl_int *);
typedef cl_int (*ReleaseCommandQueue_t)(cl_command_queue);
typedef cl_program (*CreateProgramWithSource_t)(cl_context, cl_uint, const char **, const size_t *, cl_int *);
typedef cl_program (*CreateProgramWithBinary_t)(cl_context, cl_uint, const cl_device_id *, const size_t *,
                                                const unsigned char **, cl_int *, cl_int *);
typedef cl_int (*BuildProgram_t)(cl_program, cl_uint, const cl_device_id *, const char *,
                                 void (*)(cl_program, void *), void *);
typedef cl_int (*GetProgramBuildInfo_t)(cl_program, cl_device_id, cl_program_build_info, size_t, void *, size_t *);
typedef cl_int (*GetProgramInfo_t)(cl_program, cl_program_info, size_t, void *, size_t *);
typedef cl_int (*ReleaseProgram_t)(cl_program);
typedef cl_kernel (*CreateKernel_t)(cl_program, const char *, cl_int *);
typedef cl_int (*ReleaseKernel_t)(cl_kernel);
typedef cl_int (*SetKernelArg_t)(cl_kernel, cl_uint, size_t, const void *);
typedef cl_int (*GetKernelWorkGroupInfo_t)(cl_kernel, cl_device_id, cl_kernel_work_group_info, size_t, void *, size_t *);
typedef cl_mem (*CreateBuffer_t)(cl_context, cl_mem_flags, size_t, void *, cl_int *);
typedef cl_int (*ReleaseMemObject_t)(cl_mem);
typedef cl_int (*EnqueueWriteBuffer_t)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *, cl_uint,
                                       const cl_event *, cl_event *);
typedef cl_int (*EnqueueReadBuffer_t)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint,
                                      const cl_event *, cl_event *);
typedef cl_int (*EnqueueNDRangeKernel_t)(cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *,
                                         const size_t *, cl_uint, const cl_event *, cl_event *);
typedef cl_int (*Finish_t)(cl_command_queue);

#define CLL_FUNCTIONS(X)                                                                               \
    X(GetPlatformIDs)                                                                                  \
    X(GetPlatformInfo)                                                                                 \
    X(GetDeviceIDs)                                                                                    \
    X(GetDeviceInfo)                                                                                   \
    X(CreateContext)                                                                                   \
    X(ReleaseContext)                                                                                  \
    X(CreateCommandQueue)                                                                              \
    X(ReleaseCommandQueue)                                                                             \
    X(CreateProgramWithSource)                                                                         \
    X(CreateProgramWithBinary)                                                                         \
    X(BuildProgram)                                                                                    \
    X(GetProgramBuildInfo)                                                                             \
    X(GetProgramInfo)                                                                                  \
    X(ReleaseProgram)                                                                                  \
    X(CreateKernel)                                                                                    \
    X(ReleaseKernel)                                                                                   \
    X(SetKernelArg)                                                                                    \
    X(GetKernelWorkGroupInfo)                                                                          \
    X(CreateBuffer)                                                                                    \
    X(ReleaseMemObject)                                                                                \
    X(EnqueueWriteBuffer)                                                                              \
    X(EnqueueReadBuffer)                                                                               \
    X(EnqueueNDRangeKernel)                                                                            \
    X(Finish)

#define CLL_POINTER(name) static name##_t p_cl##name;
CLL_FUNCTIONS(CLL_POINTER)

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_message[512];
static int load_status = -1;

static void load_library(void) {
    const char *names[] = {"libOpenCL.so.1", "libOpenCL.so", "/System/Library/Frameworks/OpenCL.framework/OpenCL"};
    void *handle = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !handle; i++) handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_message, sizeof load_message, "no OpenCL loader (libOpenCL.so.1) could be opened: %s", dlerror());
        return;
    }
#define CLL_LOOKUP(name)                                                                               \
    p_cl##name = (name##_t)dlsym(handle, "cl" #name);                                                  \
    if (!p_cl##name) {                                                                                 \
        snprintf(load_message, sizeof load_message, "the OpenCL loader lacks cl%s (needs OpenCL 1.2)", #name); \
        return;                                                                                        \
    }
    CLL_FUNCTIONS(CLL_LOOKUP)
    load_status = 0;
}

int cll_load(char *message, size_t message_size) {
    pthread_once(&load_once, load_library);
    if (load_status != 0 && message && message_size) {
        strncpy(message, load_message, message_size - 1);
        message[message_size - 1] = 0;
    }
    return load_status;
}

cl_int cll_GetPlatformIDs(cl_uint n, cl_platform_id *p, cl_uint *count) { return p_clGetPlatformIDs(n, p, count); }
cl_int cll_GetPlatformInfo(cl_platform_id p, cl_platform_info i, size_t s, void *v, size_t *r) {
    return p_clGetPlatformInfo(p, i, s, v, r);
}
cl_int cll_GetDeviceIDs(cl_platform_id p, cl_device_type t, cl_uint n, cl_device_id *d, cl_uint *count) {
    return p_clGetDeviceIDs(p, t, n, d, count);
}
cl_int cll_GetDeviceInfo(cl_device_id d, cl_device_info i, size_t s, void *v, size_t *r) {
    return p_clGetDeviceInfo(d, i, s, v, r);
}
cl_context cll_CreateContext(cl_device_id device, cl_int *err) {
    return p_clCreateContext(NULL, 1, &device, NULL, NULL, err);
}
cl_int cll_ReleaseContext(cl_context c) { return p_clReleaseContext(c); }
cl_command_queue cll_CreateCommandQueue(cl_context c, cl_device_id d, cl_command_queue_properties p, cl_int *err) {
    return p_clCreateCommandQueue(c, d, p, err);
}
cl_int cll_ReleaseCommandQueue(cl_command_queue q) { return p_clReleaseCommandQueue(q); }
cl_program cll_CreateProgramWithSource(cl_context c, const char *source, cl_int *err) {
    return p_clCreateProgramWithSource(c, 1, &source, NULL, err);
}
cl_program cll_CreateProgramWithBinary(cl_context c, cl_device_id d, const unsigned char *binary, size_t size,
                                       cl_int *err) {
    cl_int status = CL_SUCCESS;
    cl_program p = p_clCreateProgramWithBinary(c, 1, &d, &size, &binary, &status, err);
    if (err && *err == CL_SUCCESS && status != CL_SUCCESS) *err = status;
    return p;
}
cl_int cll_BuildProgram(cl_program p, cl_device_id d, const char *options) {
    return p_clBuildProgram(p, 1, &d, options, NULL, NULL);
}
cl_int cll_GetProgramBuildInfo(cl_program p, cl_device_id d, cl_program_build_info i, size_t s, void *v, size_t *r) {
    return p_clGetProgramBuildInfo(p, d, i, s, v, r);
}
cl_int cll_GetProgramBinary(cl_program p, unsigned char *buffer, size_t buffer_size, size_t *size) {
    size_t binary_size = 0;
    cl_int err = p_clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof binary_size, &binary_size, NULL);
    if (err != CL_SUCCESS) return err;
    if (size) *size = binary_size;
    if (!buffer || buffer_size < binary_size || binary_size == 0) return CL_SUCCESS;
    return p_clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof buffer, &buffer, NULL);
}
cl_int cll_ReleaseProgram(cl_program p) { return p_clReleaseProgram(p); }
cl_kernel cll_CreateKernel(cl_program p, const char *name, cl_int *err) { return p_clCreateKernel(p, name, err); }
cl_int cll_ReleaseKernel(cl_kernel k) { return p_clReleaseKernel(k); }
cl_int cll_SetKernelArg(cl_kernel k, cl_uint i, size_t s, const void *v) { return p_clSetKernelArg(k, i, s, v); }
cl_int cll_GetKernelWorkGroupInfo(cl_kernel k, cl_device_id d, cl_kernel_work_group_info i, size_t s, void *v,
                                  size_t *r) {
    return p_clGetKernelWorkGroupInfo(k, d, i, s, v, r);
}
cl_mem cll_CreateBuffer(cl_context c, cl_mem_flags f, size_t size, void *host, cl_int *err) {
    return p_clCreateBuffer(c, f, size, host, err);
}
cl_int cll_ReleaseMemObject(cl_mem m) { return p_clReleaseMemObject(m); }
cl_int cll_EnqueueWriteBuffer(cl_command_queue q, cl_mem m, size_t offset, size_t size, const void *source) {
    return p_clEnqueueWriteBuffer(q, m, CL_TRUE, offset, size, source, 0, NULL, NULL);
}
cl_int cll_EnqueueReadBuffer(cl_command_queue q, cl_mem m, size_t offset, size_t size, void *destination) {
    return p_clEnqueueReadBuffer(q, m, CL_TRUE, offset, size, destination, 0, NULL, NULL);
}
cl_int cll_EnqueueNDRangeKernel1D(cl_command_queue q, cl_kernel k, size_t global_size, size_t local_size) {
    return p_clEnqueueNDRangeKernel(q, k, 1, NULL, &global_size, local_size ? &local_size : NULL, 0, NULL, NULL);
}
cl_int cll_Finish(cl_command_queue q) { return p_clFinish(q); }
