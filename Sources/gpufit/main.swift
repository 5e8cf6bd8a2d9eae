print("gpufit")
