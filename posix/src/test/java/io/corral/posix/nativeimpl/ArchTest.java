package io.corral.posix.nativeimpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ArchTest {
  @Test
  void knowsX8664AndAarch64ByEitherName() {
    assertEquals(Arch.X86_64, Arch.of("amd64"));
    assertEquals(Arch.X86_64, Arch.of("x86_64"));
    assertEquals(Arch.AARCH64, Arch.of("aarch64"));
    assertEquals(186, Arch.X86_64.gettid);
    assertEquals(178, Arch.AARCH64.gettid);
  }

  @Test
  void refusesAnyOtherArchitectureInsteadOfGuessingItsSyscallNumbers() {
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> Arch.of("riscv64"));
    assertEquals("Failed to use the kernel: unsupported CPU architecture 'riscv64' (Corral knows amd64 and aarch64)",
        e.getMessage());
    assertThrows(UnsupportedOperationException.class, () -> Arch.of(null));
  }
}
