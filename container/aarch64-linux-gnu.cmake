# CMake toolchain for the arm64 image's binary, cross-compiled on amd64 with
# Debian's cross compiler (gcc-aarch64-linux-gnu) against a sysroot of
# Debian's arm64 -dev packages that mmdebstrap unpacks (./build.sh image
# makes both). Used as
#   cmake -DCMAKE_TOOLCHAIN_FILE=container/aarch64-linux-gnu.cmake \
#         -DPCA_SYSROOT=/path/to/sysroot -DPCA_TESTS=OFF
# A sysroot rather than the host's multiarch :arm64 packages: bookworm's
# libevent-dev is not Multi-Arch: same, so its arm64 build cannot be
# installed next to the amd64 one the native build needs.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
if(NOT PCA_SYSROOT)
  message(FATAL_ERROR "set PCA_SYSROOT to the arm64 sysroot (./build.sh image makes it)")
endif()
set(CMAKE_SYSROOT ${PCA_SYSROOT})
# try_compile projects read this file again and need the sysroot too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PCA_SYSROOT)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${PCA_SYSROOT})
set(ENV{PKG_CONFIG_LIBDIR}
    "${PCA_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${PCA_SYSROOT}/usr/share/pkgconfig")
