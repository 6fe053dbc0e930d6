package io.corral.posix.launch;

import io.corral.posix.ProcFs;
import io.corral.posix.ProcStat;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A tiny {@link ProcFs} over the host's /proc for the launcher's tests. */
final class HostProcFs implements ProcFs {

  @Override
  public List<ProcStat> processes() {
    List<ProcStat> all = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : dirs) {
        stat(Integer.parseInt(dir.getFileName().toString())).ifPresent(all::add);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return all;
  }

  @Override
  public Optional<ProcStat> stat(int pid) {
    String text;
    try {
      text = Files.readString(Path.of("/proc/" + pid + "/stat"));
    } catch (IOException e) {
      return Optional.empty();
    }
    int open = text.indexOf('(');
    int close = text.lastIndexOf(')');
    String[] f = text.substring(close + 2).trim().split(" ");
    return Optional.of(new ProcStat(pid, Integer.parseInt(f[1]), Integer.parseInt(f[2]),
        Integer.parseInt(f[3]), f[0].charAt(0), text.substring(open + 1, close),
        Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[21])));
  }

  @Override
  public long clockTicksPerSecond() {
    return 100;
  }

  @Override
  public long pageSize() {
    return 4096;
  }
}
