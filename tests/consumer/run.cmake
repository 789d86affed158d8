# Installs grove into a scratch prefix, builds tests/consumer against it with find_package,
# and runs the result. Invoked by CTest with GROVE_SOURCE_DIR, WORK_DIR and MODEL set.
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
run(${CMAKE_COMMAND} -S ${GROVE_SOURCE_DIR} -B ${WORK_DIR}/grove-build -DGROVE_BUILD_TESTS=OFF
    -DGROVE_BUILD_TOOLS=OFF -DGROVE_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${WORK_DIR}/grove-build)
run(${CMAKE_COMMAND} -S ${GROVE_SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/consumer-build
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-build)
run(${WORK_DIR}/consumer-build/consumer ${MODEL})
message(STATUS "consumer predicted ${last_output}")
