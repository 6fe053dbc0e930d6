package io.corral.posix.nativeimpl;

import java.util.Locale;

/**
 * The CPU architectures Corral knows the kernel ABI of: the per-architecture syscall numbers it
 * calls through {@code syscall(2)} and the layout of {@code struct epoll_event}. Any other
 * architecture is refused when the native facade is made, never given x86_64's numbers (the
 * same syscall number is another call elsewhere). corral-init refuses to compile for it too.
 * Immutable.
 */
enum Arch {
  /** {@code struct epoll_event} is packed here: 12 bytes, the data at offset 4. */
  X86_64(186, 141, 251, 12, 4),
  AARCH64(178, 140, 30, 16, 8);

  final long gettid;
  final long setpriority;
  final long ioprioSet;
  final int epollEventSize;
  final int epollDataOffset;

  Arch(long gettid, long setpriority, long ioprioSet, int epollEventSize, int epollDataOffset) {
    this.gettid = gettid;
    this.setpriority = setpriority;
    this.ioprioSet = ioprioSet;
    this.epollEventSize = epollEventSize;
    this.epollDataOffset = epollDataOffset;
  }

  /** This JVM's architecture ({@code os.arch}). */
  static Arch current() {
    return of(System.getProperty("os.arch"));
  }

  /**
   * @throws UnsupportedOperationException {@code Failed to use the kernel: unsupported CPU
   *     architecture 'riscv64' (Corral knows amd64 and aarch64)}
   */
  static Arch of(String osArch) {
    String name = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
    return switch (name) {
      case "amd64", "x86_64" -> X86_64;
      case "aarch64", "arm64" -> AARCH64;
      default -> throw new UnsupportedOperationException("Failed to use the kernel: unsupported CPU architecture '"
          + osArch + "' (Corral knows amd64 and aarch64)");
    };
  }
}
