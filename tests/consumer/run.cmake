# The install test: installs the build tree into a scratch prefix with `cmake --install`, then
# configures, builds and runs the consumer project (this folder) against that prefix only.
#
# cmake -DSPC_BUILD_DIR=<build tree> -DCONSUMER_DIR=<this folder> -DWORK_DIR=<scratch folder>
#       -DCONFIG=<build type> -DGENERATOR=<generator> -DCXX_COMPILER=<compiler>
#       [-DSANITIZE=address,undefined] [-DCLI=1 -DBINDIR=bin -DVERSION=x.y.z] -P run.cmake
cmake_minimum_required(VERSION 3.22)

foreach(var SPC_BUILD_DIR CONSUMER_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT CONFIG)
  set(CONFIG Release)
endif()

# Runs a command; stops the test if it fails. Its standard output is left in step_output.
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

step("cmake --install" "${CMAKE_COMMAND}" --install "${SPC_BUILD_DIR}" --prefix "${prefix}" --config "${CONFIG}")

set(flags "")
if(SANITIZE)
  # The installed library was built with these sanitizers; the consumer must link their runtimes.
  set(flags "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE}" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
endif()
if(VERSION)
  list(APPEND flags "-DSPC_REQUIRED_VERSION=${VERSION}")
endif()
step("configuring the consumer" "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}/build"
  -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_BUILD_TYPE=${CONFIG}"
  "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
  ${flags})

# The package must come from the scratch prefix, not from the build tree or the system.
file(STRINGS "${WORK_DIR}/build/CMakeCache.txt" spc_dir REGEX "^spc_DIR:")
string(REGEX REPLACE "^spc_DIR:[A-Z]+=" "" spc_dir "${spc_dir}")
string(FIND "${spc_dir}" "${prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "the consumer found spc in '${spc_dir}', not under '${prefix}'")
endif()

step("building the consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" --config "${CONFIG}")

# OpenMP is private to the library: linking spc::spc must not compile the consumer with -fopenmp.
# (compile_commands.json exists for the Makefile and Ninja generators only.)
if(EXISTS "${WORK_DIR}/build/compile_commands.json")
  file(READ "${WORK_DIR}/build/compile_commands.json" commands)
  if(commands MATCHES "[-/][a-z]*openmp[^ \"]*")
    message(FATAL_ERROR "the consumer is compiled with ${CMAKE_MATCH_0}: OpenMP leaks out of spc::spc")
  endif()
  message("the consumer's compile commands have no OpenMP flag")
endif()

set(exe "${WORK_DIR}/build/spc_consumer")
if(NOT EXISTS "${exe}")
  set(exe "${WORK_DIR}/build/${CONFIG}/spc_consumer")  # multi-configuration generators
endif()
step("running the consumer" "${exe}")

if(CLI)
  step("running the installed spc" "${prefix}/${BINDIR}/spc" --version)
  if(VERSION AND NOT step_output MATCHES "spc ${VERSION}")
    message(FATAL_ERROR "spc --version says '${step_output}', the project is ${VERSION}")
  endif()
endif()
message("install and consumer: OK")
