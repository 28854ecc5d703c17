// Preloaded into the real tcpchatd to make fdatasync fail with EIO while the file named by
// TCPCHAT_FAIL_FSYNC_WHILE exists. A failing disk cannot be had on demand here; everything else
// in the daemon runs as it does in production.
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

extern "C" int fdatasync(int fd) {
  const char* flag = std::getenv("TCPCHAT_FAIL_FSYNC_WHILE");
  if (flag && ::access(flag, F_OK) == 0) {
    errno = EIO;
    return -1;
  }
  using Fn = int (*)(int);
  static const Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "fdatasync"));
  return real(fd);
}
