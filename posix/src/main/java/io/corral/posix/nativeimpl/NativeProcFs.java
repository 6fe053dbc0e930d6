package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcFs;
import io.corral.posix.ProcStat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link ProcFs} over the real {@code /proc}, read as files (no libc needed). Stateless apart
 * from two constants read once at construction; thread-safe; every call blocks the caller.
 *
 * <p>Clock ticks and page size come from the process's auxiliary vector ({@code
 * /proc/self/auxv}, entries {@code AT_CLKTCK} and {@code AT_PAGESZ}), which is exactly where
 * glibc's {@code sysconf(_SC_CLK_TCK)} and {@code sysconf(_SC_PAGESIZE)} take them from. If it
 * cannot be read, they fall back to 100 (the Linux {@code USER_HZ} ABI constant in which
 * {@code /proc/<pid>/stat} reports times on every architecture) and 4096 (the x86_64 page).
 */
public final class NativeProcFs implements ProcFs {
  static final long DEFAULT_CLOCK_TICKS = 100;
  static final long DEFAULT_PAGE_SIZE = 4096;
  private static final long AT_PAGESZ = 6;
  private static final long AT_CLKTCK = 17;

  private final Path proc;
  private final long clockTicks;
  private final long pageSize;

  public NativeProcFs() {
    this(Path.of("/proc"));
  }

  /** A procfs mounted elsewhere (tests point it at a directory of fixtures). */
  public NativeProcFs(Path proc) {
    this.proc = proc;
    long[] aux = readAuxv(proc.resolve("self/auxv"));
    this.clockTicks = aux[0];
    this.pageSize = aux[1];
  }

  @Override
  public List<ProcStat> processes() {
    List<ProcStat> result = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          stat(Integer.parseInt(name)).ifPresent(result::add);
        }
      }
    } catch (IOException e) {
      throw IoErrors.toLinux("opendir", proc, e);
    }
    return result;
  }

  @Override
  public Optional<ProcStat> stat(int pid) {
    Path path = proc.resolve(Integer.toString(pid)).resolve("stat");
    try {
      return Optional.of(parseStat(Files.readString(path, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      Errno errno = IoErrors.errno(e);
      // The process exited between listing and reading (ENOENT) or while reading (ESRCH).
      if (errno == Errno.ENOENT || errno == Errno.ESRCH) {
        return Optional.empty();
      }
      throw IoErrors.toLinux("read", path, e);
    }
  }

  @Override
  public List<String> openFiles(int pid) {
    Path fds = proc.resolve(Integer.toString(pid)).resolve("fd");
    List<String> result = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(fds)) {
      for (Path entry : entries) {
        try {
          result.add(Files.readSymbolicLink(entry).toString());
        } catch (IOException e) {
          // closed while listing
        }
      }
    } catch (IOException e) {
      Errno errno = IoErrors.errno(e);
      if (errno == Errno.ENOENT || errno == Errno.ESRCH) {
        return List.of();
      }
      throw IoErrors.toLinux("opendir", fds, e);
    }
    return result;
  }

  @Override
  public long clockTicksPerSecond() {
    return clockTicks;
  }

  @Override
  public long pageSize() {
    return pageSize;
  }

  /**
   * Parses one {@code /proc/<pid>/stat} line. The command name is in parentheses and may itself
   * contain spaces and parentheses, so it ends at the LAST {@code ')'}; the fields after it are
   * numbered as in proc(5) from field 3 (state).
   */
  static ProcStat parseStat(String line) {
    int open = line.indexOf('(');
    int close = line.lastIndexOf(')');
    if (open < 0 || close < open) {
      throw new LinuxException("read", Errno.EINVAL, "malformed stat '" + line.strip() + "'");
    }
    int pid = Integer.parseInt(line.substring(0, open).trim());
    String comm = line.substring(open + 1, close);
    String[] f = line.substring(close + 1).trim().split(" +");
    if (f.length < 22) {
      throw new LinuxException("read", Errno.EINVAL, "short stat '" + line.strip() + "'");
    }
    // f[i] is proc(5) field i + 3: state(3) ppid(4) pgrp(5) session(6) utime(14) stime(15)
    // starttime(22) rss(24).
    return new ProcStat(
        pid, Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
        f[0].charAt(0), comm, Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[21]),
        Long.parseLong(f[19]));
  }

  /** {clock ticks, page size} from an auxv file of native-endian 64-bit (type, value) pairs. */
  static long[] readAuxv(Path auxv) {
    long[] result = {DEFAULT_CLOCK_TICKS, DEFAULT_PAGE_SIZE};
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(auxv);
    } catch (IOException e) {
      return result;
    }
    if (bytes.length % 16 != 0) {
      return result; // not a 64-bit process; keep the documented defaults
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    while (buffer.remaining() >= 16) {
      long type = buffer.getLong();
      long value = buffer.getLong();
      if (type == AT_CLKTCK && value > 0) {
        result[0] = value;
      } else if (type == AT_PAGESZ && value > 0) {
        result[1] = value;
      }
    }
    return result;
  }
}
