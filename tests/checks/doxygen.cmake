# doxygen.cmake - runs doxygen on docs/Doxyfile with every warning an error (ctest docs.doxygen).
#
#   cmake -DDOXYGEN=... -DSOURCE_DIR=... -DWORK_DIR=... -DVERSION=... -P doxygen.cmake
#
# The configuration is docs/Doxyfile with the output moved to WORK_DIR; doxygen runs from the
# source root (the Doxyfile's paths are relative to it). All warnings are printed, then the
# test fails if there was any.
file(MAKE_DIRECTORY "${WORK_DIR}")
file(WRITE "${WORK_DIR}/Doxyfile"
     "@INCLUDE = ${SOURCE_DIR}/docs/Doxyfile\n"
     "OUTPUT_DIRECTORY = ${WORK_DIR}\n"
     "PROJECT_NUMBER = ${VERSION}\n"
     "WARN_AS_ERROR = FAIL_ON_WARNINGS\n"
     "WARN_LOGFILE =\n")
execute_process(COMMAND "${DOXYGEN}" "${WORK_DIR}/Doxyfile" WORKING_DIRECTORY "${SOURCE_DIR}"
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE warnings)
if(NOT result EQUAL 0 OR warnings MATCHES "warning|error")
  message(FATAL_ERROR "doxygen reported problems in the doc comments or docs/ pages (fix each):\n${warnings}")
endif()
message(STATUS "doxygen: no warnings; HTML in ${WORK_DIR}/html")
