# Finds xsimd 8.1 or later for grove (its architecture types are the tags of grove's targets,
# its CPU detection picks them, and its batches do plain vector arithmetic): used by grove's own
# build and by the installed groveConfig.cmake, so both find it the same way.
#
# xsimd's package config links its target to a library named xtl, which serves only xsimd's
# optional xtl complex numbers (XSIMD_ENABLE_XTL_COMPLEX); grove does not use them. Debian's
# libxsimd-dev 8.1 ships that config without xtl (no libxtl-dev exists there), so the link
# names a library that cannot be found. When no xtl package is found either, the name is taken
# off xsimd's link interface: xsimd's headers need nothing from it.
if(NOT TARGET xsimd)
  find_package(xsimd 8.1 REQUIRED)
endif()
get_target_property(_grove_xsimd_links xsimd INTERFACE_LINK_LIBRARIES)
if(_grove_xsimd_links AND "xtl" IN_LIST _grove_xsimd_links AND NOT TARGET xtl)
  find_package(xtl QUIET)
  if(NOT TARGET xtl)
    list(REMOVE_ITEM _grove_xsimd_links xtl)
    set_property(TARGET xsimd PROPERTY INTERFACE_LINK_LIBRARIES "${_grove_xsimd_links}")
  endif()
endif()
unset(_grove_xsimd_links)
