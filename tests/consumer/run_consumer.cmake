# run_consumer.cmake - one consumer route of tests/consumer, run as a ctest (cmake -P).
#
# Configures, builds and runs a consumer project (CONSUMER_DIR, built in WORK_DIR/consumer); its
# program xfer_consumer makes transfers against a loopback server it starts itself. With
# XFER_OPTIONS set, xfer itself is first configured with those options, installed to
# WORK_DIR/prefix, and the consumer finds it there (CMAKE_PREFIX_PATH). With PORTFILE set, the
# options are the ones the vcpkg port's portfile passes (see vcpkg_port/portfile_options.cmake).
#
#   -DXFER_SOURCE_DIR=  xfer's source tree
#   -DCONSUMER_DIR=     the consumer project
#   -DWORK_DIR=         a scratch directory of this test
#   -DGENERATOR= -DCXX_COMPILER=   as the enclosing build
#   -DCONSUMER_ARGS=    extra -D arguments for the consumer, separated by '|'
#   -DXFER_OPTIONS=     xfer's configure options, separated by '|' (a lone '|' for none)
#   -DPORTFILE=         a vcpkg portfile.cmake whose options replace XFER_OPTIONS
#   -DPREFIX=           an existing install prefix to find xfer in (instead of installing one)

cmake_minimum_required(VERSION 3.20)

foreach(required XFER_SOURCE_DIR CONSUMER_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "run_consumer.cmake: -D${required}= is required")
  endif()
endforeach()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${what} failed (${result}):\n${ARGN}\n${output}")
  endif()
  message(STATUS "${what}: ok")
  set(step_output "${output}" PARENT_SCOPE)
endfunction()

set(common_args -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DCMAKE_BUILD_TYPE=
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)

if(DEFINED PORTFILE)
  # The portfile runs as vcpkg would run it, with the features of VCPKG_FEATURES ('|'-separated).
  include("${CMAKE_CURRENT_LIST_DIR}/vcpkg_port/vcpkg_steps.cmake")
  get_filename_component(port_dir "${PORTFILE}" DIRECTORY)
  file(READ "${port_dir}/vcpkg.json" manifest)
  string(JSON PORT GET "${manifest}" name)
  string(JSON feature_count LENGTH "${manifest}" features)
  set(VCPKG_MANIFEST_FEATURES "")
  math(EXPR last "${feature_count} - 1")
  foreach(i RANGE ${last})
    string(JSON feature MEMBER "${manifest}" features ${i})
    list(APPEND VCPKG_MANIFEST_FEATURES "${feature}")
  endforeach()
  string(REPLACE "|" ";" FEATURES "core|${VCPKG_FEATURES}")
  set(PREFIX "${WORK_DIR}/packages/${PORT}_x64-linux")
  set(CURRENT_PACKAGES_DIR "${PREFIX}")
  set(VCPKG_PORT_WORK_DIR "${WORK_DIR}/buildtrees/${PORT}")
  file(REMOVE_RECURSE "${PREFIX}")
  include("${PORTFILE}")
  vcpkg_check_installed_tree()
elseif(DEFINED XFER_OPTIONS)
  string(REPLACE "|" ";" XFER_OPTIONS "${XFER_OPTIONS}")
  set(PREFIX "${WORK_DIR}/prefix")
  file(REMOVE_RECURSE "${PREFIX}")
  run_step("configure xfer" "${CMAKE_COMMAND}" -S "${XFER_SOURCE_DIR}" -B "${WORK_DIR}/xfer"
           ${common_args} ${XFER_OPTIONS})
  run_step("install xfer" "${CMAKE_COMMAND}" --install "${WORK_DIR}/xfer" --prefix "${PREFIX}")
endif()

set(consumer_args "")
if(DEFINED CONSUMER_ARGS)
  string(REPLACE "|" ";" consumer_args "${CONSUMER_ARGS}")
endif()
if(DEFINED PREFIX)
  list(APPEND consumer_args "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DXFER_EXPECTED_PREFIX=${PREFIX}")
endif()
run_step("configure the consumer" "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}/consumer"
         ${common_args} "-DXFER_SOURCE_DIR=${XFER_SOURCE_DIR}" ${consumer_args})
run_step("build the consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer")
run_step("run the consumer" "${WORK_DIR}/consumer/xfer_consumer")
message(STATUS "${step_output}")
