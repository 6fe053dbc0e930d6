package io.corral.posix.nativeimpl;

import io.corral.posix.Linux;

/** Placeholder until the jnr-ffi facade lands. */
public final class NativeLinux {
  private NativeLinux() {}

  public static Linux create() {
    throw new UnsupportedOperationException("not yet");
  }
}
