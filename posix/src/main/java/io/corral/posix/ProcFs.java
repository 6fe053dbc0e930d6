package io.corral.posix;

import java.util.List;
import java.util.Optional;

/** Reads {@code /proc}: process stats for usage accounting and process-tree walks. */
public interface ProcFs {
  /** Every process on the host, one stat each; processes that vanish while reading are skipped. */
  List<ProcStat> processes();

  /** One process's stat, or empty if it does not exist. */
  Optional<ProcStat> stat(int pid);

  /**
   * What the process's open file descriptors point to ({@code /proc/<pid>/fd/*} links, e.g.
   * {@code /run/x/status} or {@code /run/x/status (deleted)}); empty if it does not exist.
   */
  List<String> openFiles(int pid);

  /** {@code sysconf(_SC_CLK_TCK)}. */
  long clockTicksPerSecond();

  /** {@code sysconf(_SC_PAGESIZE)}. */
  long pageSize();
}
