package io.corral.posix.nativeimpl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.posix.Errno;
import io.corral.posix.ProcStat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /proc parsing and errno mapping of {@link NativeProcFs} and {@link IoErrors}, on fixtures. */
class NativeProcFsTest {

  @Test
  void commEndsAtTheLastParenthesis() {
    String line = "4242 (a) (b c)) S 1 4242 4240 0 -1 4194560 100 0 0 0 250 75 3 4 20 0 1 0 "
        + "12345 8192000 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n";
    assertEquals(new ProcStat(4242, 1, 4242, 4240, 'S', "a) (b c)", 250, 75, 321, 12345),
        NativeProcFs.parseStat(line));
  }

  @Test
  void openFilesAreTheFdLinksAndNoneForAMissingProcess(@TempDir Path proc) throws IOException {
    Files.createDirectories(proc.resolve("9/fd"));
    Files.createSymbolicLink(proc.resolve("9/fd/3"), Path.of("/run/corral/containers/c1/status"));
    NativeProcFs fs = new NativeProcFs(proc);
    assertEquals(java.util.List.of("/run/corral/containers/c1/status"), fs.openFiles(9));
    assertEquals(java.util.List.of(), fs.openFiles(10));
  }

  @Test
  void processesThatVanishAreSkipped(@TempDir Path proc) throws IOException {
    Files.createDirectories(proc.resolve("7"));
    Files.writeString(proc.resolve("7/stat"), "7 (sh) S 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 1 5\n");
    Files.createDirectories(proc.resolve("8")); // exited between readdir and open: no stat
    Files.createDirectories(proc.resolve("sys"));
    NativeProcFs fs = new NativeProcFs(proc);
    assertEquals(java.util.List.of(new ProcStat(7, 1, 7, 7, 'S', "sh", 3, 4, 5, 1)), fs.processes());
    assertEquals(java.util.Optional.empty(), fs.stat(8));
    assertEquals(100, fs.clockTicksPerSecond()); // no self/auxv here: the documented defaults
    assertEquals(4096, fs.pageSize());
  }

  @Test
  void auxvGivesClockTicksAndPageSize(@TempDir Path dir) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.nativeOrder());
    b.putLong(6).putLong(65536).putLong(17).putLong(250).putLong(0).putLong(0);
    Path auxv = Files.write(dir.resolve("auxv"), b.array());
    assertArrayEquals(new long[] {250, 65536}, NativeProcFs.readAuxv(auxv));
    assertArrayEquals(new long[] {100, 4096}, NativeProcFs.readAuxv(dir.resolve("missing")));
  }

  @Test
  void ioExceptionsMapToErrno() {
    assertEquals(Errno.ENOENT, IoErrors.errno(new NoSuchFileException("/x")));
    assertEquals(Errno.EACCES, IoErrors.errno(new AccessDeniedException("/x")));
    assertEquals(Errno.EBUSY,
        IoErrors.errno(new FileSystemException("/x", null, "Device or resource busy")));
    assertEquals(Errno.EINVAL, IoErrors.errno(new IOException("Invalid argument")));
    assertEquals(Errno.ESRCH, IoErrors.errno(new IOException("No such process")));
    assertEquals(Errno.UNKNOWN, IoErrors.errno(new IOException("something else")));
    assertEquals(Errno.ENODEV, IoErrors.errno(new IOException("No such device")));
    assertEquals(Errno.ENXIO, IoErrors.errno(new IOException("No such device or address")));
    assertEquals(Errno.ENOSPC, IoErrors.errno(new IOException("write failed: No space left on device")));
    assertEquals("rmdir path='/x': EBUSY (Device or resource busy)", IoErrors.toLinux("rmdir",
        Path.of("/x"), new FileSystemException("/x", null, "Device or resource busy")).getMessage());
  }
}
