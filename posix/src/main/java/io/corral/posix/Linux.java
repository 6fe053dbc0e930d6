package io.corral.posix;

/**
 * The kernel as Corral sees it: one bundle of small role interfaces, real ({@code nativeDefault})
 * or fake ({@code FakeLinux} in the posix test-jar). Wired once in {@code ops} and passed down;
 * nothing below ops loads libc itself.
 */
public record Linux(Processes processes, ProcFs proc) {

  /** The real kernel through jnr-ffi. */
  public static Linux nativeDefault() {
    return io.corral.posix.nativeimpl.NativeLinux.create();
  }
}
