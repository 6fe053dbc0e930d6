package io.corral.isolators.posix;

import io.corral.posix.ProcFs;
import io.corral.posix.ProcessTable;
import io.corral.proto.v1.ResourceStatistics;

/**
 * {@code posix/mem}: the resident memory of the container's process tree, from {@code /proc}
 * (resident pages) or {@code ps} ({@code rss}, in KiB): the sum over the init and all its
 * descendants, in bytes ({@code mem_rss_bytes}). Shared pages are counted once per process, as
 * in Mesos. Accounting only; see {@link PosixIsolator} for state, threading, recover and cleanup.
 */
public final class PosixMemIsolator extends PosixIsolator {

  /** Reading {@code /proc}. */
  public PosixMemIsolator(ProcFs proc) {
    this(ProcessTable.of(proc));
  }

  public PosixMemIsolator(ProcessTable table) {
    super(table);
  }

  @Override
  public String name() {
    return "posix/mem";
  }

  @Override
  protected void addUsage(ProcessTree tree, ResourceStatistics.Builder stats) {
    stats.setMemRssBytes(tree.rssBytes());
  }
}
