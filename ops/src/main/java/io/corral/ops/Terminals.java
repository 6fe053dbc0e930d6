package io.corral.ops;

import jnr.ffi.LibraryLoader;

/** Whether a standard stream is a terminal: isatty(3), bound by jnr-ffi. */
final class Terminals {
  private Terminals() {}

  /** The libc call; public only because jnr-ffi's generated class implements it from its own loader. */
  public interface Calls {
    int isatty(int fd);
  }

  /** True when {@code fd} refers to a terminal; false when it does not or libc cannot say. */
  static boolean isTerminal(int fd) {
    try {
      return LibraryLoader.create(Calls.class).load("c").isatty(fd) == 1;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
