# Fails when an object of the portable kernel build (GROK_FORCE_PORTABLE_BUILD) holds an AVX
# instruction (a ymm register, an FMA): the x86 kernels would then not be guarded where arm64
# needs them to be. Run by ctest as test_portable_kernels_build with -DOBJECTS=a.o;b.o.
find_program(OBJDUMP objdump REQUIRED)
foreach(obj ${OBJECTS})
  execute_process(COMMAND ${OBJDUMP} -d --no-show-raw-insn ${obj} OUTPUT_VARIABLE asm RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "objdump failed on ${obj}")
  endif()
  string(REGEX MATCH "[^\n]*(%ymm|%zmm|vfmadd|vfnmadd)[^\n]*" hit "${asm}")
  if(hit)
    message(FATAL_ERROR "${obj}: AVX instruction in the portable build: ${hit}")
  endif()
  message(STATUS "${obj}: no AVX instruction")
endforeach()
